import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { judgeBatch, parseMaxFailPercent, parseSerial, planBatches, type RolloutOptions } from './batches.js';

const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `h${i + 1}`);
const sizes = (batches: unknown[][]): number[] => batches.map((b) => b.length);
const outcomes = (failed: number, ok: number, unreachable = 0) => [
  ...Array.from({ length: failed }, () => ({ status: 'failed' as const })),
  ...Array.from({ length: unreachable }, () => ({ status: 'unreachable' as const })),
  ...Array.from({ length: ok }, () => ({ status: 'changed' as const })),
];

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseSerial', () => {
  it('reads numbers, percentages and lists; repeated flags form one list', () => {
    expect(parseSerial('1')).toEqual([{ kind: 'count', count: 1 }]);
    expect(parseSerial('25%')).toEqual([{ kind: 'percent', percent: 25 }]);
    expect(parseSerial(' 1, 10% ,100%')).toEqual([
      { kind: 'count', count: 1 },
      { kind: 'percent', percent: 10 },
      { kind: 'percent', percent: 100 },
    ]);
    expect(parseSerial(['1', '50%'])).toEqual([
      { kind: 'count', count: 1 },
      { kind: 'percent', percent: 50 },
    ]);
    expect(parseSerial('12.5%')).toEqual([{ kind: 'percent', percent: 12.5 }]);
  });

  it('names the bad item and what is expected', () => {
    expect(usage(() => parseSerial('1,ten'))).toBe('--serial "1,ten": "ten" is not a number of hosts (1 or more) or a percentage (e.g. 10%)');
    expect(usage(() => parseSerial('0'))).toMatch(/"0" is not a number of hosts \(1 or more\)/);
    expect(usage(() => parseSerial('1,,2'))).toMatch(/"" is not a number of hosts/);
    expect(usage(() => parseSerial('-1'))).toMatch(/"-1"/);
    expect(usage(() => parseSerial('0%'))).toMatch(/0% is not a percentage between 0 \(excluded\) and 100/);
    expect(usage(() => parseSerial('150%'))).toMatch(/150% is not a percentage/);
    expect(usage(() => parseSerial(''))).toMatch(/--serial needs a number of hosts or a percentage/);
  });
});

describe('parseMaxFailPercent', () => {
  it('accepts 0..100 and refuses the rest', () => {
    expect(parseMaxFailPercent(0)).toBe(0);
    expect(parseMaxFailPercent(100)).toBe(100);
    expect(usage(() => parseMaxFailPercent(101))).toBe('--max-fail-percent must be between 0 and 100, got 101');
    expect(usage(() => parseMaxFailPercent(Number.NaN))).toMatch(/got NaN/);
  });
});

describe('planBatches', () => {
  it('is one batch without --serial, none without hosts', () => {
    expect(planBatches(hosts(5), [])).toEqual([hosts(5)]);
    expect(planBatches([], parseSerial('1'))).toEqual([]);
  });

  it('keeps host order and repeats the last step', () => {
    expect(planBatches(hosts(5), parseSerial('2'))).toEqual([['h1', 'h2'], ['h3', 'h4'], ['h5']]);
    expect(sizes(planBatches(hosts(10), parseSerial('1,3')))).toEqual([1, 3, 3, 3]);
  });

  it('takes percentages of all hosts, rounded down but at least one host', () => {
    expect(sizes(planBatches(hosts(20), parseSerial('1,10%,100%')))).toEqual([1, 2, 17]);
    expect(sizes(planBatches(hosts(3), parseSerial('1,10%,100%')))).toEqual([1, 1, 1]);
    expect(sizes(planBatches(hosts(10), parseSerial('30%')))).toEqual([3, 3, 3, 1]);
    expect(sizes(planBatches(hosts(3), parseSerial('100%')))).toEqual([3]);
  });

  it('lets a batch bigger than what is left take the rest', () => {
    expect(sizes(planBatches(hosts(4), parseSerial('1,10')))).toEqual([1, 3]);
  });
});

describe('judgeBatch', () => {
  const noThreshold: RolloutOptions = { serial: parseSerial('1') };
  const half: RolloutOptions = { serial: parseSerial('1'), maxFailPercent: 50 };

  it('by default stops on any failure in the first batch only', () => {
    const verdict = judgeBatch(outcomes(1, 0), 0, 3, noThreshold);
    expect(verdict.stop).toBe(true);
    expect(verdict.reason).toBe('rollout stopped after batch 1 of 3: 1 of 1 host(s) failed or unreachable (100%; no failure is allowed in the first batch without --max-fail-percent)');
    expect(judgeBatch(outcomes(2, 0), 1, 3, noThreshold).stop).toBe(false);
    expect(judgeBatch(outcomes(0, 1), 0, 3, noThreshold).stop).toBe(false);
  });

  it('with --max-fail-percent stops when strictly more than P% failed, in any batch', () => {
    expect(judgeBatch(outcomes(1, 1), 0, 3, half).stop).toBe(false);
    const verdict = judgeBatch(outcomes(1, 1, 1), 1, 3, half);
    expect(verdict.stop).toBe(true);
    expect(verdict.reason).toBe('rollout stopped after batch 2 of 3: 2 of 3 host(s) failed or unreachable (66.7%; more than --max-fail-percent 50%)');
    expect(judgeBatch(outcomes(1, 9), 0, 2, { serial: [], maxFailPercent: 0 }).stop).toBe(true);
    expect(judgeBatch(outcomes(3, 0), 0, 2, { serial: [], maxFailPercent: 100 }).stop).toBe(false);
  });

  it('counts unreachable hosts as failed, skipped ones not', () => {
    expect(judgeBatch(outcomes(0, 1, 1), 0, 2, noThreshold).stop).toBe(true);
    expect(judgeBatch([{ status: 'skipped' }, { status: 'ok' }], 0, 2, noThreshold).stop).toBe(false);
  });

  it('never stops after the last batch: nothing is left to protect', () => {
    expect(judgeBatch(outcomes(1, 0), 2, 3, noThreshold).stop).toBe(false);
    expect(judgeBatch(outcomes(1, 0), 0, 1, noThreshold).stop).toBe(false);
  });
});
