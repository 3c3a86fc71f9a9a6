// Every planned change is announced (with its diff under --diff) before anything happens, so
// --check and a real run show the same lines.
import { describeChange, type Change } from '../core/change.js';
import type { PartialOutcome } from './converge.js';
import { fileDiff } from './diff.js';
import type { Emit } from './events.js';

/** Emit one host-change event per change; returns the one-line summaries for the outcome. */
export function announceChanges(host: string, changes: readonly Change[], diff: boolean, emit: Emit): string[] {
  for (const change of changes) {
    const shown = diff && change.kind === 'write-file' ? { diff: fileDiff(change) } : {};
    emit({ type: 'host-change', host, change: describeChange(change), applied: false, ...shown });
  }
  return changes.map(describeChange);
}

export function dryRunOutcome(summaries: readonly string[]): PartialOutcome {
  return { status: 'changed', message: 'would change (check mode: nothing was changed)', changes: summaries };
}
