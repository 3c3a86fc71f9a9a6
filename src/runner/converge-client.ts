// Bring one Docker client to a planned state: facts -> plan -> journal -> execute -> verify, and
// put every file it wrote back (and apply daemon.json again) if applying or verifying fails.
// apply and rollback differ only in the plan function.
import type { Change, WriteFileChange } from '../core/change.js';
import type { HostOutcome } from '../core/outcome.js';
import { bootHookFactsCommand, parseBootHookFacts } from '../facts/boot-hook.js';
import { clientFactsCommand, parseClientFacts, type ClientFacts } from '../facts/docker-client.js';
import type { Host } from '../inventory/model.js';
import { BOOT_HOOK_FACT_ARGS } from '../modules/boot-hook/files.js';
import { bootHookShortfall, DAEMON_RELOAD } from '../modules/boot-hook/plan.js';
import { clearingContent, daemonJsonTarget, mirrorsOnceApplied, type ClientPlan, type HookGoal } from '../modules/docker-daemon/plan.js';
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
  /** How long dockerd may take to show the new mirrors after a reload or restart. */
  readonly settleTimeoutMs?: number;
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
  const factArgs = { daemonJsonPath: job.daemonJsonPath, probeMirrors: job.probeMirrors, bootHook: BOOT_HOOK_FACT_ARGS };
  const facts = parseClientFacts(await shell.run(clientFactsCommand(factArgs)), factArgs);
  const plan = job.plan(facts);
  if (plan.kind === 'refuse') return { status: 'failed', message: plan.reason, changes: [] };
  for (const message of plan.warnings ?? []) emit({ type: 'warning', host: host.name, message });
  if (plan.kind === 'in-sync') {
    await job.afterSuccess?.();
    return { status: 'ok', message: plan.reason, changes: [] };
  }

  const summaries = announceChanges(host.name, plan.changes, options.diff, emit);
  if (options.check) return checkModeOutcome(summaries);

  await job.beforeWrite?.(facts);
  const writes = plan.changes.filter((c): c is WriteFileChange => c.kind === 'write-file');
  for (const write of writes) await journal?.recordFile(host.name, write.path, write.before, write.content);

  const written: WriteFileChange[] = [];
  try {
    // Every reload waits until the daemon shows the mirrors it leads to: the last one is the verification.
    await executeChanges(host.name, plan.changes, shell, emit, (change) => written.push(change), options.settleTimeoutMs);
    if (plan.hook) await verifyBootHook(shell, plan.hook, emit, host.name);
  } catch (err) {
    if (written.length === 0) throw err; // nothing was written: nothing to restore
    const daemonJson = daemonJsonTarget(job.daemonJsonPath, facts).path;
    const restored = await restore(shell, written, daemonJson, plan.changes, emit, host.name, options.settleTimeoutMs);
    return { status: 'failed', message: `${(err as Error).message}; ${restored.message}`, changes: summaries, restored: restored.ok };
  }
  await job.afterSuccess?.();
  const hooked = plan.hook ? `; boot hook ${plan.hook.goal}` : '';
  return { status: 'changed', message: `mirrors now ${JSON.stringify(plan.expectMirrors)}${hooked}`, changes: summaries };
}

/** Read the hook's files again: they must be as the plan left them. */
async function verifyBootHook(shell: HostShell, hook: HookGoal, emit: Emit, host: string): Promise<void> {
  emit({ type: 'host-step', host, step: `verifying the boot hook is ${hook.goal}` });
  const shortfall = bootHookShortfall(hook.goal, hook.expected, parseBootHookFacts(await shell.run(bootHookFactsCommand(BOOT_HOOK_FACT_ARGS))));
  if (shortfall) throw new Error(`verification failed: ${shortfall}`);
}

/**
 * Put every file written back as it was before the run (removing those that did not exist), then
 * apply daemon.json again and reload systemd if a drop-in changed; says whether that worked, and how.
 */
async function restore(shell: HostShell, written: readonly WriteFileChange[], daemonJson: string, changes: readonly Change[], emit: Emit, host: string, settleTimeoutMs?: number): Promise<{ ok: boolean; message: string }> {
  const paths = [...new Set(written.map((w) => w.path))].reverse();
  emit({ type: 'host-step', host, step: `restoring the previous ${paths.join(', ')}` });
  const apply = changes.find((c) => c.kind === 'apply-docker-config');
  const reload = paths.some((p) => p !== daemonJson) && changes.includes(DAEMON_RELOAD);
  const reapply = apply?.kind === 'apply-docker-config' && paths.includes(daemonJson) ? apply : undefined;
  try {
    for (const path of paths) {
      const first = written.find((w) => w.path === path)!;
      let current = written.filter((w) => w.path === path).at(-1)!.content;
      // A reload ignores a file without registry-mirrors and keeps the mirror the run applied:
      // as rollback does, clear it with `[]` first, and only then put the original back.
      const clearing = path === daemonJson && reapply ? clearingContent(first.before, reapply.method) : undefined;
      if (clearing !== undefined && reapply) {
        await shell.check(writeFileCommand({ ...first, before: current, beforeSha: undefined, content: clearing, reason: 'restore: drop the mirrors first', validateWithDockerd: false, backupPath: undefined }));
        await applyDockerConfig(host, { ...reapply, expectMirrors: [] }, shell, emit, settleTimeoutMs);
        current = clearing;
      }
      if (first.before !== undefined) {
        await shell.check(writeFileCommand({ ...first, before: current, beforeSha: undefined, content: first.before, reason: 'restore', validateWithDockerd: false, backupPath: undefined }));
      } else if (first.beforeSha === undefined || first.beforeSha === 'absent') {
        await shell.check(removeFileCommand(path, current));
      } else {
        throw new Error(`${path} was not text before the run and cannot be put back byte for byte`);
      }
      if (path === daemonJson && reapply && clearing === undefined) {
        await applyDockerConfig(host, { ...reapply, expectMirrors: mirrorsOnceApplied(first.before, reapply.method) }, shell, emit, settleTimeoutMs);
      }
    }
    // Best effort: a drop-in systemd still lists after its files are put back only runs a script
    // that is gone or as it was, and ExecStartPre=- ignores that.
    const unreloaded = reload ? await executeChanges(host, [DAEMON_RELOAD], shell, emit).then(() => '', (err: Error) => `; systemd not reloaded (${err.message})`) : '';
    return { ok: true, message: `previous ${paths.join(', ')} restored${reapply ? ' and applied' : ''}${unreloaded}` };
  } catch (err) {
    return { ok: false, message: `RESTORE FAILED (${(err as Error).message}); the previous content is in the run journal` };
  }
}
