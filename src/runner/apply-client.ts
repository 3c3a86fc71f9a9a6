// Apply the client state on one host: facts -> plan -> write -> apply -> verify, and put the
// previous daemon.json back if applying or verifying fails.
import { describeChange, type ApplyDockerConfigChange, type Change, type WriteFileChange } from '../core/change.js';
import type { HostOutcome } from '../core/outcome.js';
import { clientFactsCommand, parseActiveMirrors, parseClientFacts } from '../facts/docker-client.js';
import type { ClientSettings, Host } from '../inventory/model.js';
import { fileMirrors, parseDaemonJson, sameMirrors } from '../modules/docker-daemon/daemon-json.js';
import { planClient } from '../modules/docker-daemon/plan.js';
import { applyDockerConfigCommand, dockerMirrorsCommand, removeFileCommand, writeFileCommand } from './change-commands.js';
import { fileDiff } from './diff.js';
import type { Emit } from './events.js';
import type { HostShell } from './host-shell.js';
import type { Journal } from './journal.js';

export interface ClientRunOptions {
  readonly check: boolean;
  readonly diff: boolean;
  readonly restart: boolean;
  readonly runId: string;
}

export type PartialOutcome = Omit<HostOutcome, 'host' | 'durationMs'>;

export async function applyClient(
  host: Host,
  settings: ClientSettings,
  shell: HostShell,
  options: ClientRunOptions,
  emit: Emit,
  journal?: Journal,
): Promise<PartialOutcome> {
  emit({ type: 'host-step', host: host.name, step: 'reading facts' });
  const factArgs = { daemonJsonPath: settings.daemonJsonPath, probeMirrors: settings.mirrors };
  const facts = parseClientFacts(await shell.run(clientFactsCommand(factArgs)), factArgs);
  const plan = planClient({ ...settings, restart: options.restart, backupSuffix: options.runId }, facts);

  if (plan.kind === 'refuse') return { status: 'failed', message: plan.reason, changes: [] };
  if (plan.kind === 'in-sync') return { status: 'ok', message: plan.reason, changes: [] };

  const summaries = plan.changes.map(describeChange);
  for (const change of plan.changes) {
    emit({ type: 'host-change', host: host.name, change: describeChange(change), applied: false, ...diffOf(change, options) });
  }
  if (options.check) return { status: 'changed', message: 'would change (check mode: nothing was changed)', changes: summaries };

  const write = plan.changes.find((c): c is WriteFileChange => c.kind === 'write-file');
  const apply = plan.changes.find((c): c is ApplyDockerConfigChange => c.kind === 'apply-docker-config');
  if (write) {
    const json = parseDaemonJson(facts.daemonJson.text);
    await journal?.rememberOrigin(host.name, {
      mirrors: json.kind === 'object' && fileMirrors(json) !== undefined ? [...fileMirrors(json)!] : null,
      daemonJsonPath: settings.daemonJsonPath,
      runId: options.runId,
      recordedAt: new Date().toISOString(),
    });
    await journal?.recordFile(host.name, write.path, write.before, write.content);
    emit({ type: 'host-step', host: host.name, step: `writing ${write.path}` });
    await shell.check(writeFileCommand(write));
  }
  try {
    if (apply) {
      emit({ type: 'host-step', host: host.name, step: describeChange(apply) });
      await shell.check(applyDockerConfigCommand(apply));
    }
    emit({ type: 'host-step', host: host.name, step: 'verifying mirrors' });
    await waitForMirrors(shell, plan.expectMirrors, apply?.method === 'systemctl-restart' ? 30_000 : 10_000);
  } catch (err) {
    if (!write) throw err;
    const restored = await restore(shell, write, apply, emit, host.name);
    return { status: 'failed', message: `${(err as Error).message}; ${restored}`, changes: summaries, restored: true };
  }
  return { status: 'changed', message: `mirrors now ${JSON.stringify(plan.expectMirrors)}`, changes: summaries };
}

function diffOf(change: Change, options: ClientRunOptions): { diff?: string } {
  if (!options.diff || change.kind !== 'write-file') return {};
  return { diff: fileDiff(change) };
}

/** Poll `docker info` until the daemon shows exactly the expected mirrors. */
async function waitForMirrors(shell: HostShell, expected: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer from docker info';
  for (;;) {
    const result = await shell.run(dockerMirrorsCommand());
    const active = result.exitCode === 0 ? parseActiveMirrors(result.stdout.trim()) : undefined;
    if (active && sameMirrors(active, expected)) return;
    last = active ? `daemon shows mirrors ${JSON.stringify(active)}` : result.stderr.trim() || last;
    if (Date.now() >= deadline) throw new Error(`verification failed: expected mirrors ${JSON.stringify(expected)}, ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Put the previous daemon.json back and apply it again. Returns what happened, for the message. */
async function restore(shell: HostShell, write: WriteFileChange, apply: ApplyDockerConfigChange | undefined, emit: Emit, host: string): Promise<string> {
  emit({ type: 'host-step', host, step: `restoring the previous ${write.path}` });
  try {
    if (write.before === undefined) {
      await shell.check(removeFileCommand(write.path, write.content));
    } else {
      const { backupPath: _unused, ...rest } = write;
      await shell.check(writeFileCommand({ ...rest, before: write.content, content: write.before, reason: 'restore', validateWithDockerd: false }));
    }
    if (apply) await shell.check(applyDockerConfigCommand(apply));
    return `previous ${write.path} restored`;
  } catch (err) {
    return `RESTORE FAILED (${(err as Error).message}); the previous content is in the run journal`;
  }
}
