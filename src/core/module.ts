// What the converge engine (runner/converge.ts) needs from a module: how to read the host, a pure
// plan from what it read, how to tell the host got there, and how to put it back. Everything here
// is pure; the engine does the I/O.
import type { Change, WriteFileChange } from './change.js';
import type { Command, CommandResult } from './command.js';
import type { ChangePlan, ModulePlan } from './plan.js';

export interface ConvergeModule<F, V> {
  /** What is configured, for messages ("docker", "podman", "registry cache"). */
  readonly name: string;
  factsCommand(): Command;
  parseFacts(result: CommandResult): F;
  plan(facts: F): ModulePlan<V>;
  /** Facts read again after the changes: undefined when the host shows what the plan meant, else the difference. */
  verify(facts: F, verify: V): string | undefined;
  /** How long the host may take to show it (polled); a single read when absent. */
  readonly verifyWithinMs?: number;
  /** The outcome's message once the changes are made and verified. */
  changedMessage(plan: ChangePlan<V>): string;
  /**
   * What puts the host back when applying or verifying failed after files were written; absent
   * when nothing can be put back (the failure is reported as it is).
   */
  restore?(written: readonly WriteFileChange[], planned: readonly Change[], facts: F): RestorePlan;
}

export interface RestorePlan {
  /** Files written in this run, in the order they are put back. */
  readonly paths: readonly string[];
  /** Carried out in order; the first failure means the restore failed. */
  readonly steps: readonly Change[];
  /** Tried afterwards; a failure is only reported, as `bestEffortFailure (error)`. */
  readonly bestEffort: readonly Change[];
  readonly bestEffortFailure?: string;
  /** The service was told to use the restored files. */
  readonly applied: boolean;
}
