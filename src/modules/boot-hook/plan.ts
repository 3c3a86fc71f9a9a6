// The changes that install or remove a client's boot hook. Pure: what bootHookState found in,
// changes out; the runner carries them out (write-file through a temp file, exec).
import { sh } from '../../core/command.js';
import type { Change, WriteFileChange } from '../../core/change.js';
import type { BootHookFacts, HookFileFact } from '../../facts/boot-hook.js';
import type { BootHookFile } from './files.js';
import { bootHookState, hasContent, hookFilePairs, type BootHookExpectation } from './state.js';

/** systemd reads a new or changed drop-in at daemon-reload (or at boot). */
const DAEMON_RELOAD: Change = { kind: 'exec', script: 'systemctl daemon-reload', label: 'systemctl daemon-reload', reason: 'load the docker.service drop-in, so the next docker start runs the hook' };

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
    beforeSha: fact.kind === 'file' ? fact.sha256 : 'absent',
    mode: file.mode,
    uid: 0,
    gid: 0,
    reason,
  };
}
