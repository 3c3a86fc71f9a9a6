// Flags of the commands that change hosts (apply, rollback), not of read-only ones: rolling
// batches, their fail threshold, and --retry. Also how they turn into run options and hosts.
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import type { Host, Inventory } from '../inventory/model.js';
import { parseMaxFailPercent, parseSerial, type RolloutOptions } from '../runner/batches.js';
import type { CommandName } from '../runner/events.js';
import { selectRetryHosts } from '../runner/retry.js';
import { resolveHosts, shardFlag } from './common.js';

export interface RolloutFlags {
  serial?: string | string[];
  'max-fail-percent'?: number;
  retry: boolean;
  'settle-timeout': number;
  limit?: string;
  'journal-dir': string;
  shard?: string;
}

export function withRolloutFlags<T>(yargs: Argv<T>) {
  return yargs
    .option('serial', { type: 'string', describe: 'clients in batches, one after another: a number, a percentage, or a list (1,10%,100%: one canary host, then 10%, then the rest in 10% steps)' })
    .option('max-fail-percent', { type: 'number', describe: 'stop when more than this % of a batch failed or was unreachable; later hosts are skipped [default: stop on any failure in the first batch]' })
    .option('retry', { type: 'boolean', default: false, describe: 'only the hosts that failed or were unreachable in the last run of this command on this inventory (journal); with --limit: those of them it matches' })
    .option('settle-timeout', { type: 'number', default: 30, describe: 'seconds dockerd may take to show the new mirrors after a reload or restart (a loaded host re-reads daemon.json late)' })
    .check((argv) => {
      const flags = argv as unknown as RolloutFlags;
      // Parse now, so a bad value is a usage error before any host is contacted.
      if (flags.serial !== undefined) parseSerial(flags.serial);
      if (flags['max-fail-percent'] !== undefined) parseMaxFailPercent(flags['max-fail-percent']);
      if (!(flags['settle-timeout'] > 0)) throw new UsageError('--settle-timeout must be more than 0 seconds');
      return true;
    });
}

export function rolloutOptions(flags: RolloutFlags): RolloutOptions {
  const serial = flags.serial === undefined ? [] : parseSerial(flags.serial);
  const max = flags['max-fail-percent'];
  return max === undefined ? { serial } : { serial, maxFailPercent: parseMaxFailPercent(max) };
}

/** The inventory and the hosts to work on: --limit, then --shard, then --retry (of that shard's last run). */
export async function resolveRunHosts(sources: readonly string[], flags: RolloutFlags, command: CommandName): Promise<{ inventory: Inventory; hosts: Host[] }> {
  const shard = shardFlag(flags);
  const { inventory, hosts } = await resolveHosts(sources, flags.limit, shard);
  if (!flags.retry) return { inventory, hosts };
  const retry = await selectRetryHosts(flags['journal-dir'], command, sources, hosts, inventory.hosts, flags.limit !== undefined, shard);
  const missing = retry.missing.length > 0 ? `; not in the inventory any more: ${retry.missing.join(', ')}` : '';
  process.stderr.write(`fleet: retrying ${retry.hosts.map((h) => h.name).join(', ')} (failed or unreachable in run ${retry.runId})${missing}\n`);
  return { inventory, hosts: retry.hosts };
}
