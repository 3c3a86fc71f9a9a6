// Carry out a list of changes in order over one host shell, stopping at the first failure.
import { describeChange, type ApplyDockerConfigChange, type Change, type RestartUnitChange, type WriteFileChange } from '../core/change.js';
import { parseActiveMirrors } from '../facts/docker-client.js';
import { sameMirrors } from '../modules/docker-daemon/daemon-json.js';
import { applyDockerConfigCommand, dockerMirrorsCommand, removeFileCommand, restartUnitCommand, writeFileCommand } from './change-commands.js';
import type { Emit } from './events.js';
import type { HostShell } from './host-shell.js';

/**
 * How long dockerd may take to show the mirrors a reload or restart leads to. A loaded host
 * re-reads daemon.json late (`systemctl reload` only signals it); --settle-timeout sets it.
 */
export const DEFAULT_SETTLE_TIMEOUT_MS = 30_000;

/** `onWritten` hears of every file once it is in place (so a caller knows what to restore). */
export async function executeChanges(host: string, changes: readonly Change[], shell: HostShell, emit: Emit, onWritten?: (change: WriteFileChange) => void, settleTimeoutMs = DEFAULT_SETTLE_TIMEOUT_MS): Promise<void> {
  for (const change of changes) {
    emit({ type: 'host-step', host, step: describeChange(change) });
    switch (change.kind) {
      case 'write-file':
        await shell.runOrThrow(writeFileCommand(change));
        onWritten?.(change);
        break;
      case 'remove-file':
        await shell.runOrThrow(removeFileCommand(change.path, change.expectedContent));
        break;
      case 'apply-docker-config':
        await applyDockerConfig(host, change, shell, emit, settleTimeoutMs);
        break;
      case 'restart-unit':
        await restartUnit(host, change, shell, emit, settleTimeoutMs);
        break;
      case 'exec':
        await shell.runOrThrow({ script: change.script, label: change.label });
        break;
      default:
        throw new Error(`no executor for change ${JSON.stringify((change satisfies never) as Change)}`);
    }
  }
}

/**
 * Tell dockerd, then wait until it shows the mirrors the change leads to: `systemctl reload` only
 * signals dockerd and returns, and a next step (or the verdict) must not race its re-read.
 */
export async function applyDockerConfig(host: string, change: ApplyDockerConfigChange, shell: HostShell, emit: Emit, settleTimeoutMs = DEFAULT_SETTLE_TIMEOUT_MS): Promise<void> {
  await shell.runOrThrow(applyDockerConfigCommand(change));
  if (change.expectMirrors === undefined) return;
  emit({ type: 'host-step', host, step: `verifying mirrors: waiting for the daemon to show ${JSON.stringify(change.expectMirrors)}` });
  await waitForActiveMirrors(shell, change.expectMirrors, settleTimeoutMs);
}

/** Poll `docker info` until the daemon shows exactly the expected mirrors. */
export async function waitForActiveMirrors(shell: HostShell, expected: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer from docker info';
  for (;;) {
    const result = await shell.run(dockerMirrorsCommand());
    const active = result.exitCode === 0 ? parseActiveMirrors(result.stdout.trim()) : undefined;
    if (active && sameMirrors(active, expected)) return;
    last = active ? `daemon shows mirrors ${JSON.stringify(active)}` : result.stderr.trim() || last;
    if (Date.now() >= deadline) throw new Error(`verification failed: expected mirrors ${JSON.stringify(expected)} within ${timeoutMs / 1000} s, ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Restart the unit, then wait until the service answers again (a restart returns before it serves). */
async function restartUnit(host: string, change: RestartUnitChange, shell: HostShell, emit: Emit, settleTimeoutMs: number): Promise<void> {
  await shell.runOrThrow(restartUnitCommand(change.unit));
  emit({ type: 'host-step', host, step: `waiting for ${change.unit} to answer (${change.ready.label})` });
  const deadline = Date.now() + settleTimeoutMs;
  for (;;) {
    const result = await shell.run(change.ready);
    if (result.exitCode === 0) return;
    if (Date.now() >= deadline) throw new Error(`${change.unit} does not answer ${settleTimeoutMs / 1000} s after its restart: ${result.stderr.trim() || `${change.ready.label} exit ${result.exitCode}`}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
