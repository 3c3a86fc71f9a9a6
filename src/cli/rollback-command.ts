import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { formatShard } from '../inventory/shard.js';
import { readLastRun } from '../runner/journal.js';
import { runRollback } from '../runner/rollback.js';
import { inventorySources, recordableOptions, shardFlag, withHostFlags, withInventoryFlags, withJournalLock, withRun, type HostFlags, type InventoryFlags } from './common.js';
import { resolveRunHosts, rolloutOptions, withRolloutFlags, type RolloutFlags } from './rollout-flags.js';
import { exitCodeFor } from './exit-codes.js';

interface RollbackFlags extends HostFlags, RolloutFlags, InventoryFlags {
  check: boolean;
  diff: boolean;
  restart: boolean;
  cache: boolean;
  'purge-cache': boolean;
}

export const rollbackCommand = {
  command: 'rollback [inventory-file]',
  describe: 'undo apply: clients get back the mirrors they had before (reload, no restart); --cache also removes the cache',
  builder: (yargs: Argv) =>
    withInventoryFlags(withRolloutFlags(withHostFlags(yargs)), 'inventory, or -i, repeatable [default: the sources of the last apply in the journal]')
      .option('check', { alias: 'C', type: 'boolean', default: false, describe: 'change nothing; report what would change' })
      .option('diff', { alias: 'D', type: 'boolean', default: false, describe: 'show a unified diff of every file change' })
      .option('restart', { type: 'boolean', default: false, describe: 'restart docker instead of reloading it' })
      .option('cache', { type: 'boolean', default: false, describe: 'also remove the through-cache container, its firewall rules, unit and secrets file' })
      .option('purge-cache', { type: 'boolean', default: false, describe: 'with --cache: delete the cached data as well' })
      .check((argv) => {
        if (argv['purge-cache'] && !argv.cache) throw new UsageError('--purge-cache needs --cache');
        const shard = shardFlag(argv as unknown as RollbackFlags);
        if (argv.cache && shard && shard.count > 1) {
          // Shard 1 holds the caches but cannot know whether the other shards' clients are off the
          // mirror yet: removing the cache now would break their pulls.
          throw new UsageError(`--cache with --shard ${formatShard(shard)}: one shard cannot know that the other shards' clients no longer use the cache. Roll back every shard without --cache, then remove the cache in one unsharded run: fleet rollback INVENTORY --cache`);
        }
        return true;
      }),
  handler: (argv: RollbackFlags): Promise<number> => withJournalLock(argv['journal-dir'], () => rollback(argv), shardFlag(argv)),
};

async function rollback(argv: RollbackFlags): Promise<number> {
  let sources = inventorySources(argv);
  if (sources.length === 0) {
    const last = await readLastRun(argv['journal-dir'], 'apply');
    if (!last) throw new UsageError(`no inventory given and no apply recorded in ${argv['journal-dir']}/`);
    sources = [...(last.inventories ?? [last.inventory])];
    process.stderr.write(`fleet: rolling back apply ${last.runId} (inventory ${sources.join(', ')})\n`);
  }
  const { inventory, hosts } = await resolveRunHosts(sources, argv, 'rollback');
  const options = { hosts, dryRun: argv.check, diff: argv.diff, restart: argv.restart, forks: argv.forks, rollout: rolloutOptions(argv), journalDir: argv['journal-dir'], settleTimeoutMs: argv['settle-timeout'] * 1000, cache: argv.cache, purgeCache: argv['purge-cache'], recordedOptions: recordableOptions(argv), shard: shardFlag(argv) };
  const result = await withRun(argv, (transport, emit) => runRollback(inventory, options, transport, emit));
  return exitCodeFor(result.outcomes, result.problems);
}
