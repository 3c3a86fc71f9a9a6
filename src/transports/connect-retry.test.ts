import { describe, expect, it } from 'vitest';
import { backoffDelayMs, shouldRetry, type RetryPolicy } from './connect-retry.js';

const policy: RetryPolicy = { retries: 3, baseDelayMs: 200, maxDelayMs: 1000 };

describe('connect retry policy', () => {
  it('doubles the step per retry up to the cap, half fixed and half random', () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0))).toEqual([100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 1))).toEqual([200, 400, 800, 1000, 1000]);
    expect(backoffDelayMs(1, policy, () => 0.5)).toBe(300);
  });

  it('retries transient failures only, at most `retries` times', () => {
    expect([0, 1, 2, 3].map((n) => shouldRetry(n, true, policy))).toEqual([true, true, true, false]);
    expect(shouldRetry(0, false, policy)).toBe(false);
    expect(shouldRetry(0, true, { ...policy, retries: 0 })).toBe(false);
  });
});
