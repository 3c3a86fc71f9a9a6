// Putting files back after a failed run, as data: which files a run wrote, and the change that
// returns each to its content from before the run. Pure; modules build their restore plans on it.
import type { Change, WriteFileChange } from './change.js';
import type { RestorePlan } from './module.js';

export interface WrittenFile {
  readonly path: string;
  /** The run's first write of the path: holds what the file was before the run. */
  readonly first: WriteFileChange;
  /** What the file holds now (the run's last write of it). */
  readonly current: string;
}

/** Each file the run wrote, once, the last written first (put back in reverse order). */
export function writtenFiles(written: readonly WriteFileChange[]): WrittenFile[] {
  const paths = [...new Set(written.map((w) => w.path))].reverse();
  return paths.map((path) => {
    const writes = written.filter((w) => w.path === path);
    const current = writes.at(-1)!.content;
    // Such a file is never journaled either: what it held before cannot be known here.
    if (typeof current !== 'string') throw new Error(`${path} holds secrets and is not put back`);
    return { path, first: writes[0]!, current };
  });
}

/** A write of `content` over a file that now holds `current`, with nothing validated or backed up. */
export function rewrite(file: WrittenFile, current: string, content: string, reason: string): WriteFileChange {
  return { ...file.first, before: current, beforeSha: undefined, content, reason, validateWithDockerd: false, backupPath: undefined };
}

/** The change that returns the file to its content before the run (removed if there was none). */
export function putBack(file: WrittenFile, current: string = file.current): Change {
  const { first, path } = file;
  if (first.before !== undefined) return rewrite(file, current, first.before, 'restore');
  if (first.beforeSha === undefined || first.beforeSha === 'absent') return { kind: 'remove-file', path, expectedContent: current, reason: 'restore: it did not exist' };
  throw new Error(`${path} was not text before the run and cannot be put back byte for byte`);
}

/**
 * The usual restore: every written file put back, then the plan's service steps (a reload signal,
 * a restart) carried out again, so the service uses the files as they were.
 */
export function reapplyingRestorePlan(written: readonly WriteFileChange[], planned: readonly Change[]): RestorePlan {
  const files = writtenFiles(written);
  const again = planned.filter((c) => c.kind === 'exec' || c.kind === 'restart-unit' || c.kind === 'apply-docker-config');
  return { paths: files.map((f) => f.path), steps: [...files.map((f) => putBack(f)), ...again], bestEffort: [], applied: again.length > 0 };
}
