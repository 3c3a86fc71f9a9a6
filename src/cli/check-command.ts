import { access, constants } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { formatPrometheus, writePrometheusFile } from '../check/prometheus.js';
import { buildCheckReport } from '../check/report.js';
import { inventoryArgs } from '../inventory/args.js';
import { SilentReporter } from '../reporters/silent.js';
import { rolesOf, runCheck } from '../runner/check.js';
import { checkExitCode } from './exit-codes.js';
import { makeReporter, requiredSources, resolveHosts, shardFlag, withHostFlags, withInventoryFlags, withRun, type HostFlags, type InventoryFlags } from './common.js';

interface CheckFlags extends HostFlags, InventoryFlags {
  prometheus?: string;
  'disk-warning': number;
}

export const checkCommand = {
  command: 'check [inventory-file]',
  describe: 'read-only drift check of the cache hosts and clients; exit 0 in sync, 2 drift, 4 unreachable/failed, 6 both',
  builder: (yargs: Argv) =>
    withInventoryFlags(withHostFlags(yargs), 'inventory (YAML, INI, JSON, executable or plugin: nomad file); or -i, repeatable')
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document (schema in README) on stdout, nothing else' })
      .option('journal-dir', { type: 'string', default: '.fleet', hidden: true, describe: 'unused: check keeps no journal' })
      .option('prometheus', { type: 'string', describe: "also write the result to FILE in node_exporter's textfile-collector format (atomically)" })
      .option('disk-warning', { type: 'number', default: 85, describe: "warn when the cache's data disk is at least this many percent full" })
      .check((argv) => {
        const pct = (argv as unknown as CheckFlags)['disk-warning'];
        if (!(pct > 0 && pct <= 100)) throw new Error('--disk-warning must be a percentage between 1 and 100');
        return true;
      }),
  handler: async (argv: CheckFlags): Promise<number> => {
    if (argv.prometheus) await assertWritableDir(argv.prometheus);
    const sources = requiredSources(argv, 'check');
    const shard = shardFlag(argv);
    const { inventory, hosts } = await resolveHosts(sources, argv.limit, shard);
    const options = { hosts, forks: argv.forks, diskWarnPercent: argv['disk-warning'], inventoryArgs: inventoryArgs(sources), shard };
    const reporter = argv.json ? new SilentReporter() : await makeReporter(false);
    const result = await withRun(argv, (transport, emit) => runCheck(inventory, options, transport, emit), reporter);
    const exitCode = checkExitCode(result.outcomes);
    const report = buildCheckReport({
      runId: result.runId,
      inventory: inventory.file,
      startedAt: result.startedAt,
      durationMs: result.durationMs,
      exitCode,
      outcomes: result.outcomes,
      rolesOf: rolesOf(inventory),
      fix: result.fix,
      shard,
      cacheStats: result.cacheStats,
    });
    if (argv.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (argv.prometheus) {
      // The directory was writable at the start; should that change, say so plainly (exit 1).
      await writePrometheusFile(argv.prometheus, formatPrometheus(report)).catch((err: Error) => {
        throw new UsageError(err.message);
      });
    }
    return exitCode;
  },
};

/** Fail before contacting any host (or reading any report) when the textfile could not be written afterwards. */
export async function assertWritableDir(file: string): Promise<void> {
  try {
    await access(dirname(file), constants.W_OK);
  } catch {
    throw new UsageError(`--prometheus ${file}: directory ${dirname(file)} does not exist or is not writable`);
  }
}
