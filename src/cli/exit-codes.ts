import { hasDrift, isTrouble, type HostOutcome } from '../core/outcome.js';

/** Exit codes, documented in README. check uses bit flags: 2 drift, 4 host trouble, 6 both. */
export const EXIT = {
  ok: 0,
  usage: 1,
  drift: 2,
  hostsFailed: 4,
} as const;

export function exitCodeFor(outcomes: readonly HostOutcome[], problems: readonly string[] = [], detailed = false): number {
  const trouble = problems.length > 0 || outcomes.some(isTrouble) ? EXIT.hostsFailed : EXIT.ok;
  // Like `terraform plan -detailed-exitcode`: 2 when something would change (drift), OR'ed with 4.
  const drift = detailed && outcomes.some((o) => o.status === 'changed') ? EXIT.drift : EXIT.ok;
  return trouble | drift;
}

/** fleet check, like `terraform plan -detailed-exitcode` with bit flags: 2 drift, 4 host trouble. */
export function checkExitCode(outcomes: readonly HostOutcome[]): number {
  const trouble = outcomes.some(isTrouble) ? EXIT.hostsFailed : EXIT.ok;
  const drift = outcomes.some(hasDrift) ? EXIT.drift : EXIT.ok;
  return trouble | drift;
}
