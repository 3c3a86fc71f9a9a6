// The one document `fleet check --json` prints, and what the Prometheus textfile is made from.
// Its shape is documented in README ("fleet check --json"); bump SCHEMA when it changes.
import type { Finding } from '../core/finding.js';
import type { CacheStats } from '../facts/cache-metrics.js';
import type { HostOutcome } from '../core/outcome.js';
import { recapOf } from '../core/outcome.js';
import type { Shard } from '../inventory/shard.js';

export const SCHEMA = 'fleet.check/v1';

export type Role = 'cache' | 'client';
export type CheckHostStatus = 'in-sync' | 'drift' | 'failed' | 'unreachable';

export interface CheckHostReport {
  readonly host: string;
  readonly roles: readonly Role[];
  /** A client's container runtime, when one was found. */
  readonly runtime?: string;
  readonly status: CheckHostStatus;
  readonly message: string;
  readonly durationMs: number;
  readonly findings: readonly Finding[];
  /** Cache hosts whose registry answered: its proxy counters since it started (README). */
  readonly cache?: CacheStats;
}

export interface CheckReport {
  readonly schema: typeof SCHEMA;
  readonly runId: string;
  readonly inventory: string;
  /** The run's --shard; absent for a check of the whole selection (and in a merged report). */
  readonly shard?: Shard;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly exitCode: number;
  readonly summary: {
    readonly hosts: number;
    readonly inSync: number;
    readonly drift: number;
    readonly failed: number;
    readonly unreachable: number;
    readonly findings: Readonly<Record<Finding['severity'], number>>;
  };
  readonly hosts: readonly CheckHostReport[];
  /** The apply command that fixes every drifted host, or null when nothing drifted. */
  readonly fix: string | null;
}

export interface ReportInput {
  readonly runId: string;
  readonly inventory: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly exitCode: number;
  readonly outcomes: readonly HostOutcome[];
  readonly rolesOf: (host: string) => readonly Role[];
  readonly fix: string | null;
  readonly shard?: Shard;
  readonly cacheStats?: ReadonlyMap<string, CacheStats>;
}

export function buildCheckReport(input: ReportInput): CheckReport {
  const recap = recapOf(input.outcomes);
  const findings = input.outcomes.flatMap((o) => o.findings ?? []);
  const count = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  return {
    schema: SCHEMA,
    runId: input.runId,
    inventory: input.inventory,
    ...(input.shard ? { shard: input.shard } : {}),
    startedAt: input.startedAt.toISOString(),
    durationMs: input.durationMs,
    exitCode: input.exitCode,
    summary: {
      hosts: input.outcomes.length,
      inSync: recap.ok,
      drift: recap.drift,
      failed: recap.failed,
      unreachable: recap.unreachable,
      findings: { drift: count('drift'), error: count('error'), warning: count('warning') },
    },
    hosts: input.outcomes.map((o) => ({
      host: o.host,
      roles: input.rolesOf(o.host),
      ...(o.runtime ? { runtime: o.runtime } : {}),
      status: checkStatus(o),
      message: o.message,
      durationMs: o.durationMs,
      findings: o.findings ?? [],
      ...(input.cacheStats?.has(o.host) ? { cache: input.cacheStats.get(o.host)! } : {}),
    })),
    fix: input.fix,
  };
}

function checkStatus(outcome: HostOutcome): CheckHostStatus {
  switch (outcome.status) {
    case 'drift':
    case 'failed':
    case 'unreachable':
      return outcome.status;
    case 'ok':
      return 'in-sync';
    default:
      // check never changes or skips a host; anything else means it could not tell
      return 'failed';
  }
}
