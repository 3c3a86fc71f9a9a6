// Command-line flags -> ScheduleSpec. Pure: paths are resolved against the given cwd, nothing is
// read; the CLI checks that files exist. Every refusal is a UsageError naming the flag.
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { parseDuration } from './duration.js';
import { checkCircleciValue, checkValue } from './escape.js';
import type { KubernetesInputs } from './kubernetes-inputs.js';
import { POD } from './kubernetes.js';
import { FORMATS, SCHEDULED_COMMANDS, type KubernetesSchedule, type RunArgs, type ScheduleFormat, type ScheduledCommand, type ScheduleSpec } from './spec.js';

export interface ScheduleFlags {
  /** The inventory sources, in order. */
  readonly inventories: readonly string[];
  readonly every: string;
  readonly format: string;
  /** check (default) or apply. */
  readonly command?: string;
  /** Default: fleet-<command>. */
  readonly name?: string;
  readonly limit?: string;
  readonly forks?: number;
  readonly 'known-hosts'?: string;
  readonly prometheus?: string;
  readonly 'fleet-bin'?: string;
  readonly workdir?: string;
  readonly user?: string;
  readonly 'environment-file'?: string;
  readonly report?: string;
  readonly branch?: string;
  readonly context?: string;
  readonly 'ssh-fingerprint'?: readonly string[];
  readonly image?: string;
  readonly namespace?: string;
  readonly shards?: number;
  readonly 'hosts-per-shard'?: number;
}

export interface SpecContext {
  readonly cwd: string;
  /** Absolute argv of the running fleet: [process.execPath, realpath of bin/fleet.js]. */
  readonly runningFleet: readonly string[];
  /** --format kubernetes: what was read from the inventory and --known-hosts. */
  readonly kubernetes?: KubernetesInputs;
}

/** Flags that make sense for some formats only; given for another one, they are refused. */
const APPLIES_TO: Record<string, readonly ScheduleFormat[]> = {
  'fleet-bin': ['systemd', 'cron'],
  user: ['systemd', 'cron'],
  'environment-file': ['systemd', 'cron'],
  prometheus: ['systemd', 'cron'],
  report: ['cron'],
  branch: ['circleci'],
  context: ['circleci'],
  'ssh-fingerprint': ['circleci'],
  workdir: ['systemd', 'cron', 'circleci'],
  image: ['kubernetes'],
  namespace: ['kubernetes'],
  shards: ['kubernetes'],
  'hosts-per-shard': ['kubernetes'],
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const USER = /^(?:[a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})$/;
const FINGERPRINT = /^(?:SHA256:[A-Za-z0-9+/]{43}=?|(?:[0-9a-f]{2}:){15}[0-9a-f]{2})$/;

export function buildSpec(flags: ScheduleFlags, ctx: SpecContext): ScheduleSpec {
  const format = parseFormat(flags.format);
  const command = parseCommand(flags.command ?? 'check');
  if (command === 'apply' && flags.prometheus !== undefined) {
    throw new UsageError('--prometheus applies to --command check only: fleet apply writes no textfile');
  }
  const name = flags.name ?? `fleet-${command}`;
  for (const [flag, formats] of Object.entries(APPLIES_TO)) {
    const value = (flags as unknown as Record<string, unknown>)[flag];
    const given = Array.isArray(value) ? value.length > 0 : value !== undefined;
    if (given && !formats.includes(format)) {
      throw new UsageError(`--${flag} applies to --format ${formats.join(' or ')} only`);
    }
  }
  if (!NAME.test(name)) {
    throw new UsageError(`--name ${JSON.stringify(name)}: letters, digits, - and _ only, starting with a letter or digit (it names units and /etc/cron.d files)`);
  }
  if (flags.forks !== undefined && (!Number.isInteger(flags.forks) || flags.forks < 1)) {
    throw new UsageError('--forks must be a whole number of at least 1');
  }
  const everySeconds = parseDuration(flags.every);
  const workdir = absolute('--workdir', flags.workdir ?? ctx.cwd, ctx.cwd);
  const common = { name, everySeconds };

  if (format === 'kubernetes') return kubernetesSpec(flags, command, common, ctx.kubernetes);

  if (format === 'circleci') {
    const inRepo = (flag: string, value: string) => checkCircleciValue(flag, repoRelative(flag, absolute(flag, value, ctx.cwd), workdir));
    if (flags['known-hosts'] === undefined) {
      throw new UsageError('--format circleci needs --known-hosts FILE: a known_hosts file committed to the repository (CI must never learn host keys by itself, e.g. with ssh-keyscan)');
    }
    const fingerprints = flags['ssh-fingerprint'] ?? [];
    for (const fp of fingerprints) {
      if (!FINGERPRINT.test(fp)) throw new UsageError(`--ssh-fingerprint ${JSON.stringify(fp)}: expected SHA256:... or an MD5 aa:bb:... fingerprint as CircleCI shows it`);
    }
    return {
      ...common,
      format,
      workdir,
      run: runArgs(flags, command, flags.inventories.map((f) => inRepo('inventory', f)), inRepo('--known-hosts', flags['known-hosts']), undefined, checkCircleciValue),
      branch: checkCircleciValue('--branch', flags.branch ?? 'main'),
      ...(flags.context !== undefined ? { context: checkCircleciValue('--context', flags.context) } : {}),
      sshFingerprints: fingerprints,
    };
  }

  const onHost = (flag: string, value: string) => absolute(flag, value, ctx.cwd);
  const fleetBin = flags['fleet-bin'];
  if (flags.user !== undefined && !USER.test(flags.user)) {
    throw new UsageError(`--user ${JSON.stringify(flags.user)}: not a valid user name`);
  }
  const fleet = fleetBin === undefined ? ctx.runningFleet.map((p) => checkValue('--fleet-bin', p)) : [onHost('--fleet-bin', fleetBin)];
  if (format === 'systemd' && fleet[0]?.includes("'")) {
    throw new UsageError(`--fleet-bin ${fleet[0]}: systemd refuses quotes in the path of the program it starts`);
  }
  const knownHosts = flags['known-hosts'];
  const prometheus = flags.prometheus;
  return {
    ...common,
    format,
    run: runArgs(
      flags,
      command,
      flags.inventories.map((f) => onHost('inventory', f)),
      knownHosts === undefined ? undefined : onHost('--known-hosts', knownHosts),
      prometheus === undefined ? undefined : onHost('--prometheus', prometheus),
      checkValue,
    ),
    fleet,
    workdir,
    ...(flags.user !== undefined ? { user: flags.user } : {}),
    ...(flags['environment-file'] !== undefined ? { envFile: onHost('--environment-file', flags['environment-file']) } : {}),
    report: onHost('--report', flags.report ?? path.join(workdir, `${name}.json`)),
  };
}

/** A DNS label: what Kubernetes takes as a namespace; a CronJob's name adds room for the Job suffix. */
const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const CRONJOB_NAME_MAX = 52;
const IMAGE = /^[a-z0-9][^\s"'\\]*$/;

function kubernetesSpec(flags: ScheduleFlags, command: ScheduledCommand, common: { name: string; everySeconds: number }, inputs: KubernetesInputs | undefined): KubernetesSchedule {
  if (inputs === undefined) throw new Error('buildSpec: --format kubernetes needs the inputs read from the inventory');
  if (!DNS_LABEL.test(common.name) || common.name.length > CRONJOB_NAME_MAX) {
    throw new UsageError(`--name ${JSON.stringify(common.name)}: a Kubernetes CronJob name is lower-case letters, digits and - (at most ${CRONJOB_NAME_MAX}), starting and ending with a letter or digit`);
  }
  if (flags.namespace !== undefined && (!DNS_LABEL.test(flags.namespace) || flags.namespace.length > 63)) {
    throw new UsageError(`--namespace ${JSON.stringify(flags.namespace)}: lower-case letters, digits and - (at most 63), starting and ending with a letter or digit`);
  }
  // Never a default: an unqualified name would be pulled from Docker Hub, whoever published it there.
  if (flags.image === undefined) throw new UsageError('--format kubernetes needs --image: the fleet image built from the Dockerfile and pushed to your registry, e.g. registry.example.com/fleet:0.1.0');
  if (!IMAGE.test(flags.image)) throw new UsageError(`--image ${JSON.stringify(flags.image)}: not an image reference`);
  const shards = flags.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1 || shards > 1000) throw new UsageError('--shards must be a whole number from 1 to 1000');
  const given = flags['hosts-per-shard'];
  if (given !== undefined && (!Number.isInteger(given) || given < 1)) throw new UsageError('--hosts-per-shard must be a whole number of at least 1');
  const counted = inputs.hosts === undefined ? undefined : inputs.hosts.caches + Math.ceil(inputs.hosts.clients / shards);
  const hostsPerShard = given ?? counted;
  if (hostsPerShard === undefined) {
    throw new UsageError('--format kubernetes: the inventory\'s hosts cannot be counted here (a script, a Nomad source, or variables unset here): give --hosts-per-shard N, the most hosts one shard works on, which sizes the pod');
  }
  return {
    ...common,
    format: 'kubernetes',
    run: runArgs(flags, command, inputs.inventoryFiles.map((f) => `${POD.inventoryDir}/${f.key}`), POD.knownHosts, undefined, checkValue),
    image: flags.image,
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    shards,
    hostsPerShard,
    hostsSource: given === undefined ? 'counted' : 'given',
    inventoryFiles: inputs.inventoryFiles,
    knownHosts: inputs.knownHosts,
    envVars: inputs.envVars,
  };
}

function parseFormat(format: string): ScheduleFormat {
  if ((FORMATS as readonly string[]).includes(format)) return format as ScheduleFormat;
  throw new UsageError(`--format ${JSON.stringify(format)}: choose one of ${FORMATS.join(', ')}`);
}

function parseCommand(command: string): ScheduledCommand {
  if ((SCHEDULED_COMMANDS as readonly string[]).includes(command)) return command as ScheduledCommand;
  throw new UsageError(`--command ${JSON.stringify(command)}: choose one of ${SCHEDULED_COMMANDS.join(', ')}`);
}

function runArgs(
  flags: ScheduleFlags,
  command: ScheduledCommand,
  inventories: readonly string[],
  knownHosts: string | undefined,
  prometheus: string | undefined,
  check: (flag: string, value: string) => string,
): RunArgs {
  return {
    command,
    inventories,
    ...(flags.limit !== undefined ? { limit: check('--limit', flags.limit) } : {}),
    ...(flags.forks !== undefined ? { forks: flags.forks } : {}),
    ...(knownHosts !== undefined ? { knownHosts } : {}),
    ...(prometheus !== undefined ? { prometheus } : {}),
  };
}

function absolute(flag: string, value: string, cwd: string): string {
  return checkValue(flag, path.resolve(cwd, checkValue(flag, value)));
}

/** A path inside the repository (the working directory), relative to it, as CI sees it. */
function repoRelative(flag: string, file: string, root: string): string {
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new UsageError(`${flag} ${file} is not inside the repository ${root} (--workdir): CircleCI sees only the checked-out repository`);
  }
  return rel.split(path.sep).join('/');
}
