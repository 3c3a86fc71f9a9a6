// What `fleet schedule` renders from: resolved, validated values (paths absolute, or relative to
// the repository for CircleCI). Built by options.ts, rendered by render.ts.
import { inventoryArgs } from '../inventory/args.js';

export const FORMATS = ['systemd', 'cron', 'circleci', 'kubernetes'] as const;
export type ScheduleFormat = (typeof FORMATS)[number];

export const SCHEDULED_COMMANDS = ['check', 'apply'] as const;
/** check: report drift (read-only); apply: converge, e.g. clients an autoscaler just added. */
export type ScheduledCommand = (typeof SCHEDULED_COMMANDS)[number];

/** The fleet invocation being scheduled; its exit statuses are in EXIT_MEANINGS. */
export interface RunArgs {
  readonly command: ScheduledCommand;
  /** The inventory sources, in order (one, or several given as repeated -i). */
  readonly inventories: readonly string[];
  readonly limit?: string;
  readonly forks?: number;
  readonly knownHosts?: string;
  /** check only: also write node_exporter's textfile. */
  readonly prometheus?: string;
}

/** What each command's non-zero exit statuses mean (README "Exit codes"), for messages. */
export const EXIT_MEANINGS: Record<ScheduledCommand, string> = {
  check: '2 drift, 4 unreachable or failed hosts, 6 both, 1 error',
  apply: '4 failed or unreachable hosts or a failed run, 1 error',
};

/** What a scheduled run is, in comments and unit descriptions. */
export const RUN_TITLES: Record<ScheduledCommand, string> = {
  check: 'fleet drift check',
  apply: 'fleet apply (scheduled convergence)',
};

interface Common {
  /** Base name of units / files / CircleCI job, e.g. "fleet-check". */
  readonly name: string;
  readonly everySeconds: number;
  readonly run: RunArgs;
}

/** A schedule on the control node itself: systemd timer or cron. */
export interface HostSchedule extends Common {
  readonly format: 'systemd' | 'cron';
  /** Absolute argv that starts fleet: [node, .../bin/fleet.js] or [--fleet-bin]. */
  readonly fleet: readonly string[];
  readonly workdir: string;
  readonly user?: string;
  /** KEY=value file with the variables the inventory reads as {{ env.NAME }}. */
  readonly envFile?: string;
  /** cron: where the JSON report is kept (absolute). */
  readonly report: string;
}

export interface CircleciSchedule extends Common {
  readonly format: 'circleci';
  /** The repository root (--workdir): CI paths are relative to it. */
  readonly workdir: string;
  readonly branch: string;
  readonly context?: string;
  readonly sshFingerprints: readonly string[];
}

/** A file the pod reads from a ConfigMap: its key (the file name in the pod) and content. */
export interface ConfigFile {
  readonly key: string;
  readonly content: string;
  /** An executable inventory (a script): mounted with mode 0555 so fleet runs it. */
  readonly executable: boolean;
}

/**
 * A Kubernetes CronJob. `run` holds the paths as the pod sees them (ConfigMap mounts); the files'
 * contents, read when rendering, become the ConfigMaps.
 */
export interface KubernetesSchedule extends Common {
  readonly format: 'kubernetes';
  /** The fleet image (built from the repository's Dockerfile), with its registry. */
  readonly image: string;
  readonly namespace?: string;
  /** 1: one pod runs everything; K > 1: an Indexed Job whose pod I runs `--shard I+1/K`. */
  readonly shards: number;
  /** The most hosts one shard works on: sizes the pod's memory. */
  readonly hostsPerShard: number;
  /** How hostsPerShard was found, for the comment beside the resources. */
  readonly hostsSource: 'counted' | 'given';
  readonly inventoryFiles: readonly ConfigFile[];
  readonly knownHosts: string;
  /** Variables the inventory reads as {{ env.NAME }}: keys of the env Secret. */
  readonly envVars: readonly string[];
}

export type ScheduleSpec = HostSchedule | CircleciSchedule | KubernetesSchedule;

export interface RenderedFile {
  /** File name, e.g. "fleet-check.timer" or "config.yml", or a path below the output directory. */
  readonly name: string;
  readonly content: string;
  /** Permission bits of the written file (the umask does not apply); default 0644. */
  readonly mode?: number;
}

export interface Rendering {
  readonly files: readonly RenderedFile[];
  /** What the operator does next (install, enable), as lines to print. */
  readonly nextSteps: readonly string[];
}

/** `check INVENTORY [flags]` or `apply -i A -i B [flags]`: the words after the fleet binary. */
export function runArgv(run: RunArgs, json: boolean): string[] {
  const argv: string[] = [run.command, ...inventoryArgs(run.inventories)];
  if (run.limit !== undefined) argv.push('--limit', run.limit);
  if (run.forks !== undefined) argv.push('--forks', String(run.forks));
  if (run.knownHosts !== undefined) argv.push('--known-hosts', run.knownHosts);
  if (run.prometheus !== undefined) argv.push('--prometheus', run.prometheus);
  if (json) argv.push('--json');
  return argv;
}

/** The inventory sources in a comment or a description. */
export function inventoryLabel(run: RunArgs): string {
  return run.inventories.join(', ');
}

/** What a schedule's run offset is derived from: its name and its inventory. */
export function scheduleSeed(name: string, run: RunArgs): string {
  return `${name}\0${run.inventories.join('\0')}`;
}
