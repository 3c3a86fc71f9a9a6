import { describe, expect, it } from 'vitest';
import type { HostOutcome, HostStatus } from '../core/outcome.js';
import { exitCodeFor } from './exit-codes.js';

const outcome = (status: HostStatus): HostOutcome => ({ host: status, status, message: '', changes: [], durationMs: 0 });

describe('exitCodeFor', () => {
  it('is 0 when every host is ok or changed, 4 when one failed or was unreachable', () => {
    expect(exitCodeFor([outcome('ok'), outcome('changed')])).toBe(0);
    expect(exitCodeFor([outcome('ok'), outcome('failed')])).toBe(4);
    expect(exitCodeFor([outcome('unreachable')])).toBe(4);
    expect(exitCodeFor([outcome('skipped')], ['cache never became healthy'])).toBe(4);
  });

  it('adds 2 for drift with detailed exit codes', () => {
    expect(exitCodeFor([outcome('changed')], [], true)).toBe(2);
    expect(exitCodeFor([outcome('changed'), outcome('unreachable')], [], true)).toBe(6);
    expect(exitCodeFor([outcome('ok')], [], true)).toBe(0);
  });
});
