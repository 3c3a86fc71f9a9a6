import type { Argv } from 'yargs';
import { runApply } from '../runner/apply.js';
import { exitCodeFor } from './exit-codes.js';
import { recordableOptions, requiredSources, shardFlag, withHostFlags, withInventoryFlags, withJournalLock, withRun, type HostFlags, type InventoryFlags } from './common.js';
import { resolveRunHosts, rolloutOptions, withRolloutFlags, type RolloutFlags } from './rollout-flags.js';

interface ApplyFlags extends HostFlags, RolloutFlags, InventoryFlags {
  check: boolean;
  diff: boolean;
  restart: boolean;
  'verify-pull'?: string;
  'detailed-exitcode': boolean;
}

export const applyCommand = {
  command: 'apply [inventory-file]',
  describe: 'make the cache hosts serve the mirror and point every client at it',
  builder: (yargs: Argv) =>
    withInventoryFlags(withRolloutFlags(withHostFlags(yargs)), 'inventory (YAML, INI, JSON, executable or plugin: nomad file); or -i, repeatable')
      .option('check', { alias: 'C', type: 'boolean', default: false, describe: 'change nothing; report what would change' })
      .option('diff', { alias: 'D', type: 'boolean', default: false, describe: 'show a unified diff of every file change (secrets as ***)' })
      .option('detailed-exitcode', { type: 'boolean', default: false, describe: 'with --check: exit 2 when a host would change (drift), 6 with failures too' })
      .option('verify-pull', { type: 'string', describe: 'afterwards, pull IMAGE on one client through the mirror and confirm the cache holds it' })
      .option('restart', { type: 'boolean', default: false, describe: 'restart docker instead of reloading it (stops running containers unless live-restore is on)' }),
  handler: (argv: ApplyFlags): Promise<number> => withJournalLock(argv['journal-dir'], () => apply(argv), shardFlag(argv)),
};

async function apply(argv: ApplyFlags): Promise<number> {
  const { inventory, hosts } = await resolveRunHosts(requiredSources(argv, 'apply'), argv, 'apply');
  const options = {
    hosts,
    dryRun: argv.check,
    diff: argv.diff,
    restart: argv.restart,
    forks: argv.forks,
    rollout: rolloutOptions(argv),
    journalDir: argv['journal-dir'],
    settleTimeoutMs: argv['settle-timeout'] * 1000,
    recordedOptions: recordableOptions(argv),
    shard: shardFlag(argv),
    ...(argv['verify-pull'] ? { verifyPull: argv['verify-pull'] } : {}),
  };
  const result = await withRun(argv, (transport, emit) => runApply(inventory, options, transport, emit));
  return exitCodeFor(result.outcomes, result.problems, argv['detailed-exitcode'] && argv.check);
}
