// --retry, as Ansible's retry files: the hosts that failed or were unreachable in the last real
// run of the same command on the same inventory, read from the run journal. Hosts skipped in that
// run (a stopped rollout, an unhealthy cache) are not retried: they were never tried.
import { UsageError } from '../core/errors.js';
import { isTrouble, type HostOutcome } from '../core/outcome.js';
import type { Host } from '../inventory/model.js';
import { formatShard, type Shard } from '../inventory/shard.js';
import type { CommandName } from './events.js';
import { findLastRun } from './journal.js';

/** Names of the hosts worth retrying in a run's outcomes, in the run's order. */
export function failedHosts(outcomes: readonly Pick<HostOutcome, 'host' | 'status'>[]): string[] {
  return outcomes.filter(isTrouble).map((o) => o.host);
}

export interface RetrySelection {
  readonly hosts: Host[];
  /** The run the hosts come from. */
  readonly runId: string;
  /** Hosts to retry that the inventory no longer has (left out). */
  readonly missing: readonly string[];
}

/**
 * Narrow `selected` (the hosts --limit chose, or all) to those to retry: --retry and --limit
 * intersect. Every way of ending with nothing to do is an error that says why.
 */
export async function selectRetryHosts(journalDir: string, command: CommandName, sources: string | readonly string[], selected: readonly Host[], all: readonly Host[], limited: boolean, shard?: Shard): Promise<RetrySelection> {
  const last = await findLastRun(journalDir, command, sources, shard);
  const inventoryFile = (typeof sources === 'string' ? sources : sources.join(', ')) + (shard ? ` (shard ${formatShard(shard)})` : '');
  if (!last) throw new UsageError(`--retry: no ${command} of ${inventoryFile} is recorded in ${journalDir}/ (runs with --check do not count)`);
  const wanted = failedHosts(last.outcomes ?? []);
  if (wanted.length === 0) throw new UsageError(`--retry: nothing to retry: no host failed or was unreachable in the last ${command} of ${inventoryFile} (run ${last.runId})`);
  const known = new Set(all.map((h) => h.name));
  const missing = wanted.filter((name) => !known.has(name));
  const retry = new Set(wanted);
  const hosts = selected.filter((h) => retry.has(h.name));
  if (hosts.length === 0) {
    const narrowed = [...(limited ? ['--limit'] : []), ...(shard ? [`--shard ${formatShard(shard)}`] : [])];
    const why = narrowed.length > 0 ? `none of them matches ${narrowed.join(' and ')}` : 'none of them is in the inventory any more';
    throw new UsageError(`--retry: run ${last.runId} left ${wanted.join(', ')} to retry, but ${why}`);
  }
  return { hosts, runId: last.runId, missing };
}
