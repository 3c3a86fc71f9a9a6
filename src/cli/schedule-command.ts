import { existsSync, realpathSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { checkInventory } from '../schedule/inventory-check.js';
import { readKubernetesInputs } from '../schedule/kubernetes-inputs.js';
import { buildSpec, type ScheduleFlags } from '../schedule/options.js';
import { formatForStdout, writeFiles, type WriteStatus } from '../schedule/output.js';
import { renderSchedule } from '../schedule/render.js';
import { FORMATS, SCHEDULED_COMMANDS, type KubernetesSchedule, type ScheduleSpec } from '../schedule/spec.js';
import { CALENDAR_VALUES } from '../schedule/duration.js';
import { EXIT } from './exit-codes.js';
import { requiredSources, withInventoryFlags, type InventoryFlags } from './common.js';

interface Flags extends Omit<ScheduleFlags, 'inventories'>, InventoryFlags {
  out?: string;
  force: boolean;
}

export const scheduleCommand = {
  command: 'schedule [inventory-file]',
  describe: 'render what runs `fleet check` (or, with --command apply, `fleet apply`) on a schedule: systemd timer, cron line, CircleCI config or Kubernetes CronJob',
  builder: (yargs: Argv) =>
    withInventoryFlags(yargs, 'inventory, or -i, repeatable; checked now (scripts are not run, Nomad is not asked), hosts are not contacted')
      .option('every', { type: 'string', demandOption: true, describe: `interval: 30m, 1h, 6h, 1d, 1h30m (w d h m s; at least 1m). cron and circleci take ${CALENDAR_VALUES.join(' ')}` })
      .option('format', { type: 'string', choices: FORMATS, demandOption: true, describe: 'systemd: .service + .timer; cron: crontab line, or /etc/cron.d file with --user; circleci: .circleci/config.yml; kubernetes: CronJob + ConfigMaps' })
      .option('out', { type: 'string', describe: 'write the files into DIR (created if missing) instead of printing them' })
      .option('force', { type: 'boolean', default: false, describe: 'with --out: replace files that exist with other content' })
      .option('command', { type: 'string', choices: SCHEDULED_COMMANDS, default: 'check', describe: 'what runs: check (report drift, read-only) or apply (converge: drifted hosts, clients that joined since the last run)' })
      .option('name', { type: 'string', describe: 'base name of the units, the cron file or the CircleCI job [default: fleet-check, or fleet-apply]' })
      .option('limit', { alias: 'l', type: 'string', describe: 'passed to fleet check/apply: only these hosts' })
      .option('forks', { alias: 'f', type: 'number', describe: 'passed to fleet check/apply: hosts worked on in parallel' })
      .option('known-hosts', { type: 'string', describe: 'passed to fleet check/apply; required for circleci (a file committed to the repository)' })
      .option('prometheus', { type: 'string', describe: 'systemd, cron, with --command check: fleet check writes a node_exporter textfile here' })
      .option('fleet-bin', { type: 'string', describe: 'systemd, cron: fleet executable to run [default: this node and this fleet, by absolute path]' })
      .option('workdir', { type: 'string', describe: 'directory fleet runs in [default: current directory]; for circleci, the repository root [default: the enclosing git repository]' })
      .option('user', { type: 'string', describe: 'systemd: User=; cron: render an /etc/cron.d file running as USER' })
      .option('environment-file', { type: 'string', describe: 'systemd, cron: KEY=value file with the variables the inventory reads as {{ env.NAME }}' })
      .option('report', { type: 'string', describe: 'cron: where the JSON report is kept [default: WORKDIR/NAME.json]' })
      .option('branch', { type: 'string', describe: 'circleci: branch the schedule runs on [default: main]' })
      .option('context', { type: 'string', describe: 'circleci: context holding the variables the inventory reads' })
      .option('ssh-fingerprint', { type: 'string', array: true, describe: 'circleci: fingerprint of the SSH key to load (default: every key of the project)' })
      .option('image', { type: 'string', describe: 'kubernetes: the fleet image (built from the Dockerfile) in your registry, e.g. registry.example.com/fleet:0.1.0' })
      .option('namespace', { type: 'string', describe: 'kubernetes: namespace of the objects [default: kubectl\'s current one]' })
      .option('shards', { type: 'number', describe: 'kubernetes: split the fleet into K shards, one pod each (an Indexed Job) [default: 1]' })
      .option('hosts-per-shard', { type: 'number', describe: 'kubernetes: the most hosts one shard works on, which sizes the pod [default: counted in the inventory]' }),
  handler: async (argv: Flags): Promise<number> => {
    refuseRepeatedFlags(argv);
    // CircleCI runs from the repository root: default to it rather than to a subdirectory.
    const workdir = argv.workdir ?? (argv.format === 'circleci' ? repositoryRoot(process.cwd()) : undefined);
    const sources = requiredSources(argv, 'schedule');
    const kubernetes = argv.format === 'kubernetes' ? await readKubernetesInputs(sources, argv['known-hosts']) : undefined;
    const spec = buildSpec(
      { ...argv, inventories: sources, ...(workdir === undefined ? {} : { workdir }) },
      { cwd: process.cwd(), runningFleet: runningFleet(), ...(kubernetes === undefined ? {} : { kubernetes }) },
    );
    if (spec.format !== 'kubernetes') await checkFilesExist(spec);
    // Kubernetes: the inventory was checked above; the next steps name every variable it reads.
    const unsetEnv = spec.format === 'kubernetes' ? [] : await checkInventory(sources.map((s) => path.resolve(s)));
    const rendering = renderSchedule(spec, argv.out);
    const notes = unsetEnv.length && spec.format !== 'kubernetes' ? [`note: the inventory reads ${unsetEnv.join(', ')} from the environment, unset here: provide ${unsetEnv.length === 1 ? 'it' : 'them'} in ${envSource(spec)}`] : [];
    const steps = (save: string[]) => ['next steps:', ...[...save, ...rendering.nextSteps].map((s) => `  ${s}`)];
    if (argv.out === undefined) {
      process.stdout.write(formatForStdout(rendering.files));
      process.stderr.write([...notes, ...steps(['save each file above under its name, or run again with --out DIR'])].join('\n') + '\n');
      return EXIT.ok;
    }
    const results = await writeFiles(path.resolve(argv.out), rendering.files, argv.force);
    const written = results.map((r) => `${WRITE_LABEL[r.status]} ${r.file}`);
    process.stdout.write([...written, ...notes, ...steps([])].join('\n') + '\n');
    return EXIT.ok;
  },
};

const WRITE_LABEL: Record<WriteStatus, string> = { created: 'wrote    ', replaced: 'replaced ', unchanged: 'unchanged' };

/** yargs turns a repeated flag into an array; only --ssh-fingerprint and -i are meant to repeat. */
function refuseRepeatedFlags(argv: Flags): void {
  for (const [key, value] of Object.entries(argv)) {
    if (Array.isArray(value) && !['_', 'ssh-fingerprint', 'sshFingerprint', 'inventory', 'i'].includes(key)) throw new UsageError(`--${key} was given more than once`);
  }
}

/** Where the scheduled run gets the variables the inventory reads from the environment. */
function envSource(spec: Exclude<ScheduleSpec, KubernetesSchedule>): string {
  if (spec.format === 'circleci') return 'the CircleCI project or context';
  return spec.envFile ?? 'the environment of the scheduled run (--environment-file)';
}

/** This node and this fleet's bin/fleet.js, by absolute path: PATH and version managers do not matter. */
function runningFleet(): string[] {
  const script = process.argv[1];
  if (!script) throw new UsageError('cannot tell where this fleet is installed: give --fleet-bin');
  return [process.execPath, realpathSync(script)];
}

/** The nearest directory holding `.git` (a directory, or a file in a worktree), if any. */
function repositoryRoot(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Files the scheduled run reads must exist now (on this machine, or in the repository for CI). */
async function checkFilesExist(spec: Exclude<ScheduleSpec, KubernetesSchedule>): Promise<void> {
  const files: Array<[string, string, number]> = [['--workdir', spec.workdir, constants.F_OK]];
  if (spec.run.knownHosts !== undefined) files.push(['--known-hosts', path.resolve(spec.workdir, spec.run.knownHosts), constants.R_OK]);
  if (spec.format !== 'circleci') {
    files.push(['--fleet-bin', spec.fleet[0] as string, constants.X_OK]);
    if (spec.run.prometheus !== undefined) files.push(['--prometheus (its directory)', path.dirname(spec.run.prometheus), constants.F_OK]);
  }
  for (const [flag, file, mode] of files) {
    await access(file, mode).catch(() => {
      throw new UsageError(`${flag}: ${file} ${mode === constants.X_OK ? 'is not an executable file' : 'does not exist'}`);
    });
  }
}
