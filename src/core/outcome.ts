// What happened on one host: the recap's vocabulary, as in Ansible's PLAY RECAP.
import type { Finding } from './finding.js';

/** 'drift' is check's word: the host differs from the inventory (apply would change it). */
export type HostStatus = 'ok' | 'changed' | 'drift' | 'failed' | 'unreachable' | 'skipped';

export interface HostOutcome {
  readonly host: string;
  readonly status: HostStatus;
  /** Why: the noop reason, the failure, the unreachable reason, the skip reason. */
  readonly message: string;
  /** One line per change made (or that would be made, with --check). */
  readonly changes: readonly string[];
  /** For failures after a write: true when the previous state was put back and applied, false
   *  when putting it back failed too; undefined when nothing had been written. */
  readonly restored?: boolean;
  /** fleet check: every difference found on the host. */
  readonly findings?: readonly Finding[];
  /** The container runtime configured on a client (docker, podman, containerd). */
  readonly runtime?: string;
  readonly durationMs: number;
}

export interface Recap {
  readonly ok: number;
  readonly changed: number;
  readonly drift: number;
  readonly failed: number;
  readonly unreachable: number;
  readonly skipped: number;
}

/** Failed or unreachable: counts for exit bit 4, against a --serial batch, and for --retry. */
export function isTrouble(outcome: Pick<HostOutcome, 'status'>): boolean {
  return outcome.status === 'failed' || outcome.status === 'unreachable';
}

/** fleet check found the host different from the inventory (a failed host may have drifted too). */
export function hasDrift(outcome: { readonly status: string; readonly findings?: readonly Finding[] }): boolean {
  return outcome.status === 'drift' || (outcome.findings ?? []).some((f) => f.severity === 'drift');
}

export function recapOf(outcomes: readonly HostOutcome[]): Recap {
  const recap = { ok: 0, changed: 0, drift: 0, failed: 0, unreachable: 0, skipped: 0 };
  for (const outcome of outcomes) recap[outcome.status] += 1;
  return recap;
}
