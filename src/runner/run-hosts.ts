// Run one piece of work per host, in parallel (bounded by forks), each over one SSH connection.
// A host's failure or unreachability never stops the others.
import { ConnectError } from '../core/errors.js';
import type { HostOutcome } from '../core/outcome.js';
import type { Host } from '../inventory/model.js';
import type { Transport } from '../transports/transport.js';
import type { PartialOutcome } from './converge.js';
import type { Emit } from './events.js';
import { HostShell } from './host-shell.js';
import { mapPool } from './pool.js';

export type HostWork = (host: Host, shell: HostShell) => Promise<PartialOutcome>;

export async function runOnHosts(hosts: readonly Host[], forks: number, transport: Transport, emit: Emit, work: HostWork): Promise<HostOutcome[]> {
  return mapPool(hosts, forks, async (host) => {
    const started = Date.now();
    const outcome = await runOne(host, transport, emit, work);
    const full: HostOutcome = { host: host.name, ...outcome, durationMs: Date.now() - started };
    emit({ type: 'host-done', outcome: full });
    return full;
  });
}

async function runOne(host: Host, transport: Transport, emit: Emit, work: HostWork): Promise<PartialOutcome> {
  emit({ type: 'host-step', host: host.name, step: 'connecting' });
  let connection;
  try {
    connection = await transport.connect(host.ssh);
  } catch (err) {
    const message = err instanceof ConnectError ? err.message : `cannot connect: ${(err as Error).message}`;
    return { status: 'unreachable', message, changes: [] };
  }
  try {
    return await work(host, new HostShell(connection, host.become));
  } catch (err) {
    // The connection died mid-run (keepalives unanswered, reset) before anything was changed.
    if (err instanceof ConnectError) return { status: 'unreachable', message: err.message, changes: [] };
    return { status: 'failed', message: (err as Error).message, changes: [] };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Every host outcome as "skipped" with one reason (e.g. the cache never became healthy). */
export function skipAll(hosts: readonly Host[], reason: string, emit: Emit): HostOutcome[] {
  return hosts.map((host) => {
    const outcome: HostOutcome = { host: host.name, status: 'skipped', message: reason, changes: [], durationMs: 0 };
    emit({ type: 'host-done', outcome });
    return outcome;
  });
}
