// The one converge engine: facts -> plan -> announce -> (dry run stops) -> journal -> execute ->
// facts read again -> verify, and the module's restore plan carried out when executing or
// verifying fails after a file was written. Every module (each client runtime, the cache, the
// cache's removal) goes through here; a module only says what to read, plan and check.
import type { WriteFileChange } from '../core/change.js';
import type { CommandResult } from '../core/command.js';
import type { ConvergeModule } from '../core/module.js';
import type { HostOutcome } from '../core/outcome.js';
import type { ChangePlan } from '../core/plan.js';
import { announceChanges, dryRunOutcome } from './announce.js';
import type { Emit } from './events.js';
import { executeChanges } from './execute-changes.js';
import type { HostShell } from './host-shell.js';
import type { Journal } from './journal.js';

export type PartialOutcome = Omit<HostOutcome, 'host' | 'durationMs'>;

export interface ConvergeOptions {
  /** Plan and announce only (the CLI's --check). */
  readonly dryRun: boolean;
  readonly diff: boolean;
  /** How long a daemon may take to show its new configuration after a reload or restart. */
  readonly settleTimeoutMs?: number;
}

/** What a caller adds around the engine: the run journal and its own bookkeeping. */
export interface ConvergeHooks<F> {
  /** Every file's content before and after is recorded here before it is written. */
  readonly journal?: Journal;
  /** The module's facts command result, when it was already read (with the runtime probe). */
  readonly facts?: CommandResult;
  /** Once the plan is known and before anything is written. */
  beforeWrite?(facts: F): Promise<void>;
  /** After the host reached the planned state (in sync, or changed and verified). */
  afterSuccess?(): Promise<void>;
}

export async function converge<F, V>(host: string, module: ConvergeModule<F, V>, shell: HostShell, options: ConvergeOptions, emit: Emit, hooks: ConvergeHooks<F> = {}): Promise<PartialOutcome> {
  if (!hooks.facts) emit({ type: 'host-step', host, step: 'reading facts' });
  const facts = module.parseFacts(hooks.facts ?? (await shell.run(module.factsCommand())));
  const plan = module.plan(facts);
  for (const message of plan.warnings ?? []) emit({ type: 'warning', host, message });
  if (plan.kind === 'refuse') return { status: 'failed', message: plan.reason, changes: [] };
  if (plan.kind === 'in-sync') {
    await hooks.afterSuccess?.();
    return { status: 'ok', message: withNotes(plan.reason, plan.notes), changes: [] };
  }

  const summaries = announceChanges(host, plan.changes, options.diff, emit);
  if (options.dryRun) return dryRunOutcome(summaries);

  await hooks.beforeWrite?.(facts);
  for (const write of plan.changes.filter((c): c is WriteFileChange => c.kind === 'write-file')) {
    // A file holding secrets is not journaled (the journal refuses a Secret).
    if (typeof write.content === 'string') await hooks.journal?.recordFile(host, write.path, write.before, write.content);
  }

  const written: WriteFileChange[] = [];
  try {
    await executeChanges(host, plan.changes, shell, emit, (change) => written.push(change), options.settleTimeoutMs);
    await verify(host, module, plan, shell, emit);
  } catch (err) {
    if (written.length === 0 || !module.restore) throw err; // nothing to put back
    const restored = await restore(host, module, facts, written, plan, shell, emit, options.settleTimeoutMs);
    return { status: 'failed', message: `${(err as Error).message}; ${restored.message}`, changes: summaries, restored: restored.ok };
  }
  await hooks.afterSuccess?.();
  return { status: 'changed', message: withNotes(module.changedMessage(plan), plan.notes), changes: summaries };
}

/** Read the host again until it shows what the plan meant, or the module's patience runs out. */
async function verify<F, V>(host: string, module: ConvergeModule<F, V>, plan: ChangePlan<V>, shell: HostShell, emit: Emit): Promise<void> {
  emit({ type: 'host-step', host, step: `verifying ${module.name}` });
  const deadline = Date.now() + (module.verifyWithinMs ?? 0);
  for (;;) {
    const shortfall = module.verify(module.parseFacts(await shell.run(module.factsCommand())), plan.verify);
    if (shortfall === undefined) return;
    if (Date.now() >= deadline) throw new Error(`verification failed: ${shortfall}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Carry out the module's restore plan; says whether that worked, and how. */
async function restore<F, V>(host: string, module: ConvergeModule<F, V>, facts: F, written: readonly WriteFileChange[], plan: ChangePlan<V>, shell: HostShell, emit: Emit, settleTimeoutMs?: number): Promise<{ ok: boolean; message: string }> {
  try {
    const steps = module.restore!(written, plan.changes, facts);
    emit({ type: 'host-step', host, step: `restoring the previous ${steps.paths.join(', ')}` });
    await executeChanges(host, steps.steps, shell, emit, undefined, settleTimeoutMs);
    const missed = steps.bestEffort.length === 0 ? '' : await executeChanges(host, steps.bestEffort, shell, emit).then(() => '', (err: Error) => `; ${steps.bestEffortFailure} (${err.message})`);
    return { ok: true, message: `previous ${steps.paths.join(', ')} restored${steps.applied ? ' and applied' : ''}${missed}` };
  } catch (err) {
    return { ok: false, message: `RESTORE FAILED (${(err as Error).message}); the previous content is in the run journal` };
  }
}

function withNotes(message: string, notes: readonly string[] = []): string {
  return [message, ...notes].join('; ');
}
