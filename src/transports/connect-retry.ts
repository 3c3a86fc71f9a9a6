// How often and how long to wait before connecting again after a transient failure (see
// isTransient in ssh-errors.ts). Exponential backoff with jitter, so hosts throttled together
// (sshd MaxStartups on one bastion) do not all come back at the same instant.

export interface RetryPolicy {
  /** Attempts after the first one; 0 disables retrying. */
  readonly retries: number;
  /** Delay before the first retry; doubles for every further one. */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, baseDelayMs: 250, maxDelayMs: 4000 };

/**
 * Delay before retry number `retry` (0-based): half of min(max, base * 2^retry) fixed, the other
 * half random ("equal jitter"), so a delay is never shorter than half its step.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(step / 2 + random() * (step / 2));
}

/** Whether a failed attempt (0-based) is followed by another one. */
export function shouldRetry(attempt: number, transient: boolean, policy: RetryPolicy): boolean {
  return transient && attempt < policy.retries;
}
