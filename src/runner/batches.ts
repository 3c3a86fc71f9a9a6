// Rolling rollouts, as Ansible's `serial` and `max_fail_percentage`: which hosts go in which
// batch, and whether a finished batch stops the rollout. Pure: no I/O, no clock.
import { UsageError } from '../core/errors.js';
import { isTrouble, type HostOutcome } from '../core/outcome.js';

/** One `--serial` step: a number of hosts, or a percentage of all the selected hosts. */
export type SerialStep = { readonly kind: 'count'; readonly count: number } | { readonly kind: 'percent'; readonly percent: number };

export interface RolloutOptions {
  /** Batch sizes in order; the last one repeats until every host had its turn. Empty: one batch. */
  readonly serial: readonly SerialStep[];
  /** Stop when more than this share of a batch failed. Undefined: stop on any failure in the first batch only. */
  readonly maxFailPercent?: number;
}

export const ONE_BATCH: RolloutOptions = { serial: [] };

/** Parse `--serial` ("1", "25%", "1,10%,100%"; repeated flags count as one list). */
export function parseSerial(value: string | readonly string[]): SerialStep[] {
  const raw = (typeof value === 'string' ? [value] : value).join(',');
  const items = raw.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) throw new UsageError('--serial needs a number of hosts or a percentage, e.g. 1, 10% or 1,10%,100%');
  return items.map((item) => {
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(item);
    if (percent) {
      const value = Number(percent[1]);
      if (value <= 0 || value > 100) throw new UsageError(`--serial ${JSON.stringify(raw)}: ${item} is not a percentage between 0 (excluded) and 100`);
      return { kind: 'percent', percent: value };
    }
    if (/^\d+$/.test(item) && Number(item) >= 1) return { kind: 'count', count: Number(item) };
    throw new UsageError(`--serial ${JSON.stringify(raw)}: ${JSON.stringify(item)} is not a number of hosts (1 or more) or a percentage (e.g. 10%)`);
  });
}

/** Parse `--max-fail-percent` (0..100). */
export function parseMaxFailPercent(value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) throw new UsageError(`--max-fail-percent must be between 0 and 100, got ${value}`);
  return value;
}

/** Hosts of one step: a percentage of all hosts, rounded down as Ansible does, but at least 1. */
function stepSize(step: SerialStep, total: number): number {
  if (step.kind === 'count') return step.count;
  return Math.max(1, Math.floor((total * step.percent) / 100));
}

/** Split hosts into batches, in order. The last step repeats; an empty list gives one batch. */
export function planBatches<T>(hosts: readonly T[], serial: readonly SerialStep[]): T[][] {
  if (hosts.length === 0) return [];
  if (serial.length === 0) return [[...hosts]];
  const batches: T[][] = [];
  let start = 0;
  for (let i = 0; start < hosts.length; i++) {
    const size = stepSize(serial[Math.min(i, serial.length - 1)]!, hosts.length);
    batches.push(hosts.slice(start, start + size));
    start += size;
  }
  return batches;
}

export interface BatchVerdict {
  readonly stop: boolean;
  /** Why the rollout stops (undefined when it goes on). */
  readonly reason?: string;
}

/**
 * Whether the rollout stops after a batch. Unreachable hosts count as failed, as in Ansible.
 * With --max-fail-percent P: stop when more than P% of the batch failed. Without it: stop on any
 * failure in the first batch (the canary), and never after a later one.
 */
export function judgeBatch(outcomes: readonly Pick<HostOutcome, 'status'>[], index: number, count: number, options: RolloutOptions): BatchVerdict {
  const failed = outcomes.filter(isTrouble).length;
  if (failed === 0 || index === count - 1) return { stop: false };
  const share = (failed / outcomes.length) * 100;
  const threshold = options.maxFailPercent ?? (index === 0 ? 0 : 100);
  if (share <= threshold) return { stop: false };
  const allowed = options.maxFailPercent === undefined ? 'no failure is allowed in the first batch without --max-fail-percent' : `more than --max-fail-percent ${threshold}%`;
  return { stop: true, reason: `rollout stopped after batch ${index + 1} of ${count}: ${failed} of ${outcomes.length} host(s) failed or unreachable (${formatPercent(share)}; ${allowed})` };
}

function formatPercent(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)}%`;
}
