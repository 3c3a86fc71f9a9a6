// What `fleet schedule` renders from: resolved, validated values (paths absolute, or relative to
// the repository for CircleCI). Built by options.ts, rendered by render.ts.
import { inventoryArgs } from '../inventory/args.js';

export const FORMATS = ['systemd', 'cron', 'circleci'] as const;
export type ScheduleFormat = (typeof FORMATS)[number];

/** The `fleet check` invocation being scheduled (its contract: exit 0 / 2 / 4 / 6, 1 usage). */
export interface CheckArgs {
  /** The inventory sources, in order (one, or several given as repeated -i). */
  readonly inventories: readonly string[];
  readonly limit?: string;
  readonly forks?: number;
  readonly knownHosts?: string;
  readonly prometheus?: string;
}

interface Common {
  /** Base name of units / files / CircleCI job, e.g. "fleet-check". */
  readonly name: string;
  readonly everySeconds: number;
  readonly check: CheckArgs;
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

export type ScheduleSpec = HostSchedule | CircleciSchedule;

export interface RenderedFile {
  /** File name, e.g. "fleet-check.timer" or "config.yml". */
  readonly name: string;
  readonly content: string;
}

export interface Rendering {
  readonly files: readonly RenderedFile[];
  /** What the operator does next (install, enable), as lines to print. */
  readonly nextSteps: readonly string[];
}

/** `check INVENTORY [flags]` (or `check -i A -i B [flags]`): the words after the fleet binary. */
export function checkArgv(check: CheckArgs, json: boolean): string[] {
  const argv = ['check', ...inventoryArgs(check.inventories)];
  if (check.limit !== undefined) argv.push('--limit', check.limit);
  if (check.forks !== undefined) argv.push('--forks', String(check.forks));
  if (check.knownHosts !== undefined) argv.push('--known-hosts', check.knownHosts);
  if (check.prometheus !== undefined) argv.push('--prometheus', check.prometheus);
  if (json) argv.push('--json');
  return argv;
}

/** The inventory sources in a comment or a description. */
export function inventoryLabel(check: CheckArgs): string {
  return check.inventories.join(', ');
}

/** What a schedule's run offset is derived from: its name and its inventory. */
export function scheduleSeed(name: string, check: CheckArgs): string {
  return `${name}\0${check.inventories.join('\0')}`;
}
