// Bring one Docker client to a planned state: facts -> plan -> journal -> execute -> verify, and
// put the original daemon.json back (and apply it) if applying or verifying fails.
// apply and rollback differ only in the plan function.
import type { Change, WriteFileChange } from '../core/change.js';
import type { HostOutcome } from '../core/outcome.js';
import { clientFactsCommand, parseClientFacts, type ClientFacts } from '../facts/docker-client.js';
import type { Host } from '../inventory/model.js';
import { mirrorsOnceApplied, type ClientPlan } from '../modules/docker-daemon/plan.js';
import { removeFileCommand, writeFileCommand } from './change-commands.js';
import { announceChanges, checkModeOutcome } from './announce.js';
import type { Emit } from './events.js';
import { applyDockerConfig, executeChanges } from './execute-changes.js';
import type { HostShell } from './host-shell.js';
import type { Journal } from './journal.js';

export type PartialOutcome = Omit<HostOutcome, 'host' | 'durationMs'>;

export interface ConvergeOptions {
  readonly check: boolean;
  readonly diff: boolean;
}

export interface ClientJob {
  readonly daemonJsonPath: string;
  /** Mirrors to probe from the host before changing it (apply); none for rollback. */
  readonly probeMirrors: readonly string[];
  plan(facts: ClientFacts): ClientPlan;
  /** Journal bookkeeping once the plan is known and before anything is written. */
  beforeWrite?(facts: ClientFacts): Promise<void>;
  /** After the host reached the planned state. */
  afterSuccess?(): Promise<void>;
}

export async function convergeClient(host: Host, job: ClientJob, shell: HostShell, options: ConvergeOptions, emit: Emit, journal?: Journal): Promise<PartialOutcome> {
  emit({ type: 'host-step', host: host.name, step: 'reading facts' });
  const factArgs = { daemonJsonPath: job.daemonJsonPath, probeMirrors: job.probeMirrors };
  const facts = parseClientFacts(await shell.run(clientFactsCommand(factArgs)), factArgs);
  const plan = job.plan(facts);
  if (plan.kind === 'refuse') return { status: 'failed', message: plan.reason, changes: [] };
  if (plan.kind === 'in-sync') {
    await job.afterSuccess?.();
    return { status: 'ok', message: plan.reason, changes: [] };
  }

  const summaries = announceChanges(host.name, plan.changes, options.diff, emit);
  if (options.check) return checkModeOutcome(summaries);

  await job.beforeWrite?.(facts);
  const writes = plan.changes.filter((c): c is WriteFileChange => c.kind === 'write-file');
  const original = facts.daemonJson.exists ? facts.daemonJson.text : undefined;
  for (const write of writes) await journal?.recordFile(host.name, write.path, write.before, write.content);

  let current = original;
  try {
    // Every reload waits until the daemon shows the mirrors it leads to: the last one is the verification.
    await executeChanges(host.name, plan.changes, shell, emit, (written) => (current = written.content));
  } catch (err) {
    if (current === original) throw err; // nothing was written: nothing to restore
    const restored = await restore(shell, job.daemonJsonPath, original, current!, plan.changes, emit, host.name);
    return { status: 'failed', message: `${(err as Error).message}; ${restored.message}`, changes: summaries, restored: restored.ok };
  }
  await job.afterSuccess?.();
  return { status: 'changed', message: `mirrors now ${JSON.stringify(plan.expectMirrors)}`, changes: summaries };
}

/** Put the original daemon.json back and apply it again; says whether that worked, and how. */
async function restore(shell: HostShell, path: string, original: string | undefined, current: string, changes: readonly Change[], emit: Emit, host: string): Promise<{ ok: boolean; message: string }> {
  emit({ type: 'host-step', host, step: `restoring the previous ${path}` });
  const first = changes.find((c): c is WriteFileChange => c.kind === 'write-file')!;
  const apply = changes.find((c) => c.kind === 'apply-docker-config');
  try {
    if (original === undefined) {
      await shell.check(removeFileCommand(path, current));
    } else {
      await shell.check(writeFileCommand({ ...first, before: current, content: original, reason: 'restore', validateWithDockerd: false, backupPath: undefined }));
    }
    if (apply?.kind === 'apply-docker-config') await applyDockerConfig(host, { ...apply, expectMirrors: mirrorsOnceApplied(original, apply.method) }, shell, emit);
    return { ok: true, message: `previous ${path} restored${apply ? ' and applied' : ''}` };
  } catch (err) {
    return { ok: false, message: `RESTORE FAILED (${(err as Error).message}); the previous content is in the run journal` };
  }
}
