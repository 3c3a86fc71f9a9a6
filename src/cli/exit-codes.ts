import type { HostOutcome } from '../core/outcome.js';

/** Exit codes, documented in README. check uses bit flags: 2 drift, 4 host trouble, 6 both. */
export const EXIT = {
  ok: 0,
  usage: 1,
  drift: 2,
  hostsFailed: 4,
} as const;

export function exitCodeFor(outcomes: readonly HostOutcome[], problems: readonly string[] = []): number {
  return problems.length > 0 || outcomes.some((o) => o.status === 'failed' || o.status === 'unreachable') ? EXIT.hostsFailed : EXIT.ok;
}
