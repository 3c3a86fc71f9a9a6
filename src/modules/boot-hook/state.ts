// How a client's boot hook compares with the inventory. Pure: the expected files and the facts
// in, a verdict out, for check (drift), apply (what to install) and rollback (what to remove).
//
// - A hook that puts back the inventory's mirrors is in sync, whether or not the inventory asks
//   for one (mirror_boot_hook): a hook baked into the image is welcome.
// - A hook that puts back other mirrors (or whose mirrors cannot be told) is drift wherever it is
//   found: the next docker start would undo apply.
// - When the inventory asks for the hook, a missing file, or one that differs from what fleet
//   renders (an older fleet's, or edited), is drift too: apply installs the rendered files.
import { sha256 } from '../../core/hash.js';
import type { Finding } from '../../core/finding.js';
import type { BootHookFacts, HookFileFact } from '../../facts/boot-hook.js';
import { sameMirrors } from '../docker-daemon/daemon-json.js';
import type { ClientSettings } from '../../inventory/model.js';
import { bootHookData, bootHookFiles, parseDataLines, type BootHookData, type BootHookFile, type BootHookFiles } from './files.js';

export type BootHookState =
  /** Nothing to do: the hook is as wanted, or there is none and none is wanted. */
  | { readonly kind: 'in-sync'; readonly reason: string }
  /** Wanted, and the script or the drop-in (or both) is not there. */
  | { readonly kind: 'missing'; readonly files: readonly string[] }
  /** Wanted, puts back the right mirrors, but a file differs from what fleet renders. */
  | { readonly kind: 'stale'; readonly files: readonly string[] }
  /** Puts back other mirrors or another daemon.json, or cannot be read back at all. */
  | { readonly kind: 'foreign'; readonly reason: string; readonly installed?: BootHookData }
  /** A file is there but cannot be read: nothing can be judged. */
  | { readonly kind: 'unreadable'; readonly reason: string };

export interface BootHookExpectation {
  /** What fleet renders for this client (bootHookFiles). */
  readonly files: BootHookFiles;
  /** The data the rendered script carries: the client's daemon.json and mirrors. */
  readonly data: BootHookData;
  /** The inventory asks for the hook (mirror_boot_hook: true). */
  readonly wanted: boolean;
}

/** The expectation apply, check and rollback share: the inventory's hook for this client. */
export function bootHookExpectation(settings: ClientSettings): BootHookExpectation {
  return { files: bootHookFiles(settings), data: bootHookData(settings), wanted: settings.bootHook };
}

export function bootHookState(expected: BootHookExpectation, facts: BootHookFacts): BootHookState {
  const { files, data, wanted } = expected;
  const pairs = hookFilePairs(files, facts);
  const unreadable = pairs.flatMap(({ file, fact }) => (fact.kind === 'unreadable' ? [`${file.path} cannot be read (${fact.detail})`] : []));
  if (unreadable.length > 0) return { kind: 'unreadable', reason: unreadable.join('; ') };
  if (facts.script.kind === 'file') {
    const installed = parseDataLines(facts.scriptDataLines);
    if ('problem' in installed) return { kind: 'foreign', reason: `${files.script.path} was not written by fleet or was edited (${installed.problem}): which mirrors it puts back cannot be told` };
    const other = differences(installed.data, data);
    if (other) return { kind: 'foreign', reason: `${files.script.path} puts back ${other}`, installed: installed.data };
  }
  if (!wanted) {
    if (facts.script.kind === 'file') return { kind: 'in-sync', reason: `a boot hook puts back the inventory's mirrors ${JSON.stringify(data.mirrors)}` };
    return { kind: 'in-sync', reason: facts.dropIn.kind === 'file' ? `${files.dropIn.path} is there without its script: it does nothing` : 'no boot hook, none asked for' };
  }
  const missing = pairs.filter(({ fact }) => fact.kind === 'absent').map(({ file }) => file.path);
  if (missing.length > 0) return { kind: 'missing', files: missing };
  const stale = pairs.filter(({ file, fact }) => !hasContent(fact, file.content)).map(({ file }) => file.path);
  if (stale.length > 0) return { kind: 'stale', files: stale };
  return { kind: 'in-sync', reason: `the boot hook is installed and puts back ${JSON.stringify(data.mirrors)}` };
}

/** Drift: apply would change the hook (install, rewrite, or replace a foreign one). */
export function isBootHookDrift(state: BootHookState): boolean {
  return state.kind === 'missing' || state.kind === 'stale' || state.kind === 'foreign';
}

/** What check reports; none when in sync. */
export function bootHookFindings(state: BootHookState, fixCommand: string): Finding[] {
  const subject = 'boot hook (docker.service ExecStartPre)';
  switch (state.kind) {
    case 'in-sync':
      return [];
    case 'missing':
      return [{ kind: 'boot-hook-missing', severity: 'drift', subject, expected: 'installed (mirror_boot_hook: true)', found: `missing ${state.files.join(', ')}`, fix: fixCommand }];
    case 'stale':
      return [{ kind: 'boot-hook-stale', severity: 'drift', subject, expected: 'the files fleet renders for this inventory', found: `${state.files.join(', ')} differ${state.files.length === 1 ? 's' : ''}`, fix: fixCommand }];
    case 'foreign':
      return [{ kind: 'boot-hook-foreign', severity: 'drift', subject, expected: "a hook that puts back the inventory's mirrors, or none", found: `${state.reason}: the next docker start would undo fleet apply`, fix: fixCommand }];
    case 'unreadable':
      return [{ kind: 'boot-hook-unreadable', severity: 'error', subject, expected: 'readable files (or none)', found: state.reason, fix: "fix the file or the SSH user's access (ansible_become)" }];
  }
}

function differences(installed: BootHookData, wanted: BootHookData): string | undefined {
  const parts: string[] = [];
  if (!sameMirrors(installed.mirrors, wanted.mirrors)) parts.push(`mirrors ${JSON.stringify(installed.mirrors)}, not the inventory's ${JSON.stringify(wanted.mirrors)}`);
  if (installed.daemonJson !== wanted.daemonJson) parts.push(`into ${installed.daemonJson}, not ${wanted.daemonJson}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** Each expected file with what was found at its path. */
export function hookFilePairs(files: BootHookFiles, facts: BootHookFacts): ReadonlyArray<{ readonly file: BootHookFile; readonly fact: HookFileFact }> {
  return [
    { file: files.script, fact: facts.script },
    { file: files.dropIn, fact: facts.dropIn },
  ];
}

export function hasContent(fact: HookFileFact, content: string): boolean {
  return fact.kind === 'file' && fact.sha256 === sha256(content);
}
