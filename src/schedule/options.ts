// Command-line flags -> ScheduleSpec. Pure: paths are resolved against the given cwd, nothing is
// read; the CLI checks that files exist. Every refusal is a UsageError naming the flag.
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { parseDuration } from './duration.js';
import { checkCircleciValue, checkValue } from './escape.js';
import { FORMATS, SCHEDULED_COMMANDS, type RunArgs, type ScheduleFormat, type ScheduledCommand, type ScheduleSpec } from './spec.js';

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
}

export interface SpecContext {
  readonly cwd: string;
  /** Absolute argv of the running fleet: [process.execPath, realpath of bin/fleet.js]. */
  readonly runningFleet: readonly string[];
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
