// The runner reports through events; reporters (listr2, plain lines, JSON) subscribe.
// The runner never imports a reporter.
import type { HostOutcome, Recap } from '../core/outcome.js';
import type { Host } from '../inventory/model.js';
import type { Shard } from '../inventory/shard.js';

export type CommandName = 'apply' | 'rollback' | 'check';

export type RunEvent =
  | { readonly type: 'run-start'; readonly runId: string; readonly command: CommandName; readonly check: boolean; readonly inventory: string; readonly hosts: readonly string[]; readonly shard?: Shard }
  /** A group of hosts handled together: "cache" before "clients"; one per batch with --serial. */
  | { readonly type: 'phase'; readonly name: string; readonly hosts: readonly string[]; readonly batch?: { readonly index: number; readonly count: number } }
  | { readonly type: 'host-step'; readonly host: string; readonly step: string }
  | { readonly type: 'host-change'; readonly host: string; readonly change: string; readonly applied: boolean; readonly diff?: string }
  | { readonly type: 'warning'; readonly host?: string; readonly message: string }
  | { readonly type: 'host-done'; readonly outcome: HostOutcome }
  /** Result of --verify-pull. */
  | { readonly type: 'verify'; readonly ok: boolean; readonly message: string }
  | {
      readonly type: 'run-done';
      readonly runId: string;
      /** Set by check, whose recap speaks of drift rather than changes. */
      readonly command?: CommandName;
      readonly recap: Recap;
      readonly outcomes: readonly HostOutcome[];
      /** Failures of the run as a whole (e.g. the cache never became healthy). */
      readonly problems: readonly string[];
      readonly durationMs: number;
      readonly journal?: string;
      /** Lines for the operator after the recap, e.g. how to fix what check found. */
      readonly notes?: readonly string[];
      /** The run's --shard, when it worked on one slice of the hosts. */
      readonly shard?: Shard;
    };

export type Emit = (event: RunEvent) => void;

/** What every run over hosts takes. */
export interface BaseRunOptions {
  /** Hosts selected by --limit (already resolved), in inventory order. */
  readonly hosts: readonly Host[];
  /** Plan and announce only, change nothing (the CLI's --check). */
  readonly dryRun: boolean;
  readonly diff: boolean;
  readonly restart: boolean;
  readonly forks: number;
  readonly journalDir: string;
  /** How long dockerd may take to show the new mirrors after a reload or restart (--settle-timeout). */
  readonly settleTimeoutMs?: number;
  /** Options as given, for the journal (never secrets). */
  readonly recordedOptions: Readonly<Record<string, unknown>>;
  /** --shard: the hosts are this slice of the selection; recorded in the journal and the recap. */
  readonly shard?: Shard;
}
