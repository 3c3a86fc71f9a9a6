// `fleet report merge FILE...`: the `check --json` reports of the shards of one check as one
// report, printed as check --json prints it, with its exit code; optionally the Prometheus textfile.
import { readFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { RunRefused, UsageError } from '../core/errors.js';
import { mergeCheckReports } from '../check/merge.js';
import { formatPrometheus, writePrometheusFile } from '../check/prometheus.js';
import { parseCheckReport } from '../check/report-shape.js';
import { parseDuration } from '../schedule/duration.js';
import { assertWritableDir } from './check-command.js';

interface ReportFlags {
  action: string;
  files: string[];
  'max-age'?: string;
  prometheus?: string;
}

export const reportCommand = {
  command: 'report <action> <files..>',
  describe: 'merge: the check --json reports of the shards of one check as one report (same shape, exit code the OR of theirs)',
  builder: (yargs: Argv) =>
    yargs
      .positional('action', { type: 'string', choices: ['merge'], describe: 'merge: one report from the reports of all shards (fleet check --json --shard I/K)' })
      .positional('files', { type: 'string', array: true, describe: 'the reports, one per shard' })
      .option('max-age', { type: 'string', requiresArg: true, describe: 'refuse a report whose check started longer ago than DURATION (e.g. 30m, 2h): a shard that stopped running must not hide behind an old report' })
      .option('prometheus', { type: 'string', requiresArg: true, describe: "also write the merged result to FILE in node_exporter's textfile-collector format (atomically)" })
      .check((argv) => {
        const maxAge = (argv as unknown as ReportFlags)['max-age'];
        if (maxAge !== undefined) parseDuration(maxAge, '--max-age');
        return true;
      }),
  handler: async (argv: ReportFlags): Promise<number> => {
    if (argv.prometheus) await assertWritableDir(argv.prometheus);
    const maxAge = argv['max-age'];
    const files = await Promise.all(argv.files.map(async (file) => ({ file, report: parseCheckReport(await readReport(file), file) })));
    const report = mergeCheckReports(files, { now: new Date(), ...(maxAge === undefined ? {} : { maxAgeSeconds: parseDuration(maxAge, '--max-age') }) });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (argv.prometheus) {
      await writePrometheusFile(argv.prometheus, formatPrometheus(report)).catch((err: Error) => {
        throw new UsageError(err.message);
      });
    }
    return report.exitCode;
  },
};

async function readReport(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new RunRefused(`${file}: cannot read the report: ${(err as Error).message}`);
  }
}
