// The changes that install or remove a client's boot hook. Pure: what bootHookState found in,
// changes out; the runner carries them out (write-file through a temp file, exec).
import { sh } from '../../core/command.js';
import type { Change, WriteFileChange } from '../../core/change.js';
import type { BootHookFacts, HookFileFact } from '../../facts/boot-hook.js';
import type { BootHookFile } from './files.js';
import { bootHookState, hasContent, hookFilePairs, type BootHookExpectation } from './state.js';

/** systemd reads a new or changed drop-in at daemon-reload (or at boot). */
export const DAEMON_RELOAD: Change = { kind: 'exec', script: 'systemctl daemon-reload', label: 'systemctl daemon-reload', reason: 'load the docker.service drop-in, so the next docker start runs the hook' };

/**
 * apply: write every hook file that is missing or differs, when the inventory asks for the hook or
 * a foreign one must be replaced (it would undo apply at the next docker start). [] when in sync.
 */
export function bootHookInstallChanges(expected: BootHookExpectation, facts: BootHookFacts): Change[] {
  const state = bootHookState(expected, facts);
  if (state.kind === 'in-sync' || state.kind === 'unreadable') return [];
  const reason = state.kind === 'foreign' ? `replace a hook that ${state.reason.replace(/^\S+ /, '')}` : `${state.kind} boot hook`;
  const writes = hookFilePairs(expected.files, facts)
    .filter(({ file, fact }) => !hasContent(fact, file.content))
    .map(({ file, fact }) => writeHookFile(file, fact, reason));
  const dropInWritten = writes.some((w) => w.path === expected.files.dropIn.path);
  return [...writes, ...(dropInWritten ? [DAEMON_RELOAD] : [])];
}

/**
 * rollback: remove the hook when it is fleet's for this inventory (it would put the mirrors back
 * at the next docker start). A foreign hook is not fleet's to remove. Each file is removed only
 * if it still has the content that was read.
 */
export function bootHookRemovalChanges(expected: BootHookExpectation, facts: BootHookFacts): Change[] {
  const state = bootHookState({ ...expected, wanted: false }, facts);
  if (state.kind !== 'in-sync') return [];
  const present = hookFilePairs(expected.files, facts).flatMap(({ file, fact }) => (fact.kind === 'file' ? [{ file, sha: fact.sha256 }] : []));
  if (present.length === 0) return [];
  const removals: Change[] = present.map(({ file, sha }) => ({
    kind: 'exec',
    label: `remove ${file.path}`,
    reason: 'remove the boot hook, or the next docker start would put the mirrors back',
    script: sh`F=${file.path}; if [ -f "$F" ] && [ "$(sha256sum < "$F" | cut -d' ' -f1)" = ${sha} ]; then rm -f -- "$F"; else echo "$F changed since it was read; not removed" >&2; exit 3; fi`,
  }));
  const dropInRemoved = present.some(({ file }) => file.path === expected.files.dropIn.path);
  return [...removals, ...(dropInRemoved ? [DAEMON_RELOAD] : [])];
}

function writeHookFile(file: BootHookFile, fact: HookFileFact, reason: string): WriteFileChange {
  return {
    kind: 'write-file',
    path: file.path,
    content: file.content,
    // The content read, so a failed apply can put it back; only its hash if it is not text.
    ...(fact.kind !== 'file' ? {} : fact.content !== undefined ? { before: fact.content } : { beforeSha: fact.sha256 }),
    mode: file.mode,
    uid: 0,
    gid: 0,
    reason,
  };
}

/** The hook's part of a client plan: why the host must be left alone, or the changes (maybe none). */
export type BootHookPart = { readonly refuse: string } | { readonly changes: readonly Change[]; readonly warnings: readonly string[] };

interface HostHookFacts {
  readonly bootHook: BootHookFacts;
  readonly hasSystemctl: boolean;
}

/** apply: install (or replace a foreign hook); a hook that cannot be read or run refuses the host. */
export function bootHookApplyPart(expected: BootHookExpectation, facts: HostHookFacts): BootHookPart {
  const state = bootHookState(expected, facts.bootHook);
  if (state.kind === 'unreadable') return { refuse: `boot hook: ${state.reason}` };
  const changes = bootHookInstallChanges(expected, facts.bootHook);
  if (!facts.hasSystemctl && (expected.wanted || changes.includes(DAEMON_RELOAD))) {
    return { refuse: 'mirror_boot_hook needs systemd (the hook is a docker.service drop-in), and this host has no systemctl' };
  }
  return { changes, warnings: [] };
}

/** rollback: remove fleet's hook; a foreign one is left in place and reported. */
export function bootHookRollbackPart(expected: BootHookExpectation, facts: HostHookFacts): BootHookPart {
  const state = bootHookState({ ...expected, wanted: false }, facts.bootHook);
  if (state.kind === 'unreadable') return { refuse: `boot hook: ${state.reason}` };
  const warnings = state.kind === 'foreign' ? [`boot hook left in place (not fleet's for this inventory): ${state.reason}; the next docker start runs it`] : [];
  // Without systemd nothing loaded the drop-in, and there is nothing to reload.
  const changes = bootHookRemovalChanges(expected, facts.bootHook).filter((c) => facts.hasSystemctl || c !== DAEMON_RELOAD);
  return { changes, warnings };
}

/** After apply or rollback, from the hook facts read again: what is still not as planned, if anything. */
export function bootHookShortfall(goal: 'installed' | 'removed', expected: BootHookExpectation, facts: BootHookFacts): string | undefined {
  if (goal === 'removed') {
    const left = bootHookRemovalChanges(expected, facts);
    return left.length > 0 ? `the boot hook is still there: ${left.map((c) => (c.kind === 'exec' ? c.label : c.kind)).join(', ')}` : undefined;
  }
  const state = bootHookState(expected, facts);
  return state.kind === 'in-sync' ? undefined : `the boot hook is ${state.kind}: ${'reason' in state ? state.reason : state.files.join(', ')}`;
}
