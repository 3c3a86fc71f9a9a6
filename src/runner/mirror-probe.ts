// Checks made from a client host, because the control node itself may be firewalled off the
// mirror: the cache health gate before any client is touched, and --verify-pull afterwards.
import { sh } from '../core/command.js';
import type { Host } from '../inventory/model.js';
import type { Connection, Transport } from '../transports/transport.js';
import { HostShell } from './host-shell.js';
import { hubRepository } from '../modules/mirrors/hub-image.js';
import { hubRestriction } from '../modules/mirrors/hub-restriction.js';

export interface ProbeResult {
  readonly ok: boolean;
  readonly message: string;
}

/** Exit status of httpGetScript on a host that has neither curl nor wget. */
export const EXIT_NO_HTTP_CLIENT = 127;

/** GET a URL on a host with what it has (curl, else wget): body on stdout, non-zero unless 2xx. */
export function httpGetScript(url: string, timeoutSeconds = 5): string {
  return `if command -v curl >/dev/null 2>&1; then curl -fsS --max-time ${timeoutSeconds} ${sh`${url}`}; elif command -v wget >/dev/null 2>&1; then wget -q -O - -T ${timeoutSeconds} ${sh`${url}`}; else echo "neither curl nor wget on this host" >&2; exit ${EXIT_NO_HTTP_CLIENT}; fi`;
}

async function withClient<T>(transport: Transport, client: Host, work: (shell: HostShell) => Promise<T>): Promise<T> {
  const connection = await transport.connect(client.ssh);
  try {
    return await work(new HostShell(connection, client.become));
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Clients connected to at once while looking for one to probe from. */
export const GATE_CONNECTS = 8;

/**
 * Wait until every mirror answers GET /v2/ from a client. Clients are tried in inventory order, a
 * few at a time, until one connects: gone ones (terminated autoscaled instances, a host down) are
 * passed over and reported to `onUnreachable`, so they cost the run nothing but a warning.
 */
export async function waitForMirrors(transport: Transport, clients: readonly Host[], mirrors: readonly string[], timeoutMs: number, onUnreachable: (client: Host, reason: string) => void, parallel = GATE_CONNECTS): Promise<ProbeResult> {
  const reached = await firstConnection(transport, clients, parallel, onUnreachable);
  if (!reached) return { ok: false, message: `no client could be reached to check the mirror from (${clients.length} tried)` };
  const { client, connection } = reached;
  try {
    const shell = new HostShell(connection, client.become);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const failing: string[] = [];
      for (const mirror of mirrors) {
        const result = await shell.run({ script: httpGetScript(`${mirror}/v2/`), label: 'probe mirror' });
        if (result.exitCode !== 0) failing.push(`${mirror} (${result.stderr.trim() || `exit ${result.exitCode}`})`);
      }
      if (failing.length === 0) return { ok: true, message: `${mirrors.join(', ')} answer GET /v2/ from ${client.name}` };
      if (Date.now() > deadline) return { ok: false, message: `mirror not healthy after ${timeoutMs / 1000}s, seen from ${client.name}: ${failing.join('; ')}` };
      await new Promise((r) => setTimeout(r, 1000));
    }
  } catch (err) {
    return { ok: false, message: `checking the mirror from ${client.name} failed: ${(err as Error).message}` };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Connect to `hosts` in order, `parallel` at a time, until one connects; the rest are let go. */
function firstConnection(transport: Transport, hosts: readonly Host[], parallel: number, onUnreachable: (host: Host, reason: string) => void): Promise<{ client: Host; connection: Connection } | undefined> {
  return new Promise((resolve) => {
    let next = 0;
    let inFlight = 0;
    let settled = false;
    const settle = (value: { client: Host; connection: Connection } | undefined) => {
      settled = true;
      resolve(value);
    };
    const launch = (): void => {
      while (!settled && inFlight < parallel && next < hosts.length) {
        const host = hosts[next++]!;
        inFlight++;
        transport.connect(host.ssh).then(
          (connection) => {
            inFlight--;
            if (settled) void connection.close().catch(() => undefined);
            else settle({ client: host, connection });
          },
          (err: unknown) => {
            inFlight--;
            if (settled) return;
            onUnreachable(host, (err as Error).message);
            if (next >= hosts.length && inFlight === 0) settle(undefined);
            else launch();
          },
        );
      }
    };
    if (hosts.length === 0) settle(undefined);
    else launch();
  });
}

/**
 * Pull an image on a client through its mirrors (the daemon tries them in order) and confirm it
 * landed in at least one of `cacheMirrors` (the client's own caches, never public fallbacks),
 * naming which. A pull refused by Docker Desktop's or Docker Hub's access management is said so.
 */
export async function verifyPull(transport: Transport, client: Host, cacheMirrors: readonly string[], image: string): Promise<ProbeResult> {
  try {
    return await withClient(transport, client, async (shell) => {
      const pull = await shell.run({ script: sh`docker pull ${image}`, label: 'docker pull' }, { timeoutMs: 300_000 });
      if (pull.exitCode !== 0) {
        const refusal = hubRestriction(`${pull.stderr}\n${pull.stdout}`, image, cacheMirrors);
        return { ok: false, message: `docker pull ${image} failed on ${client.name}: ${refusal ? refusal.explanation : pull.stderr.trim()}` };
      }
      const repository = hubRepository(image);
      const holding: string[] = [];
      const unreadable: string[] = [];
      for (const mirror of cacheMirrors) {
        const listed = await catalogLists(shell, mirror, repository);
        if (listed === true) holding.push(mirror);
        else if (listed !== false) unreadable.push(`${mirror} (${listed})`);
      }
      const unread = unreadable.length > 0 ? `; catalog unreadable: ${unreadable.join(', ')}` : '';
      if (holding.length > 0) return { ok: true, message: `${client.name} pulled ${image} and ${repository} is in the catalog of ${holding.join(', ')}${unread}` };
      return {
        ok: false,
        message: `${client.name} pulled ${image}, but no cache of its own (${cacheMirrors.join(', ') || 'none'}) lists ${repository}${unread}: ` +
          'Docker fell back to a public fallback mirror or to Docker Hub, so its caches are not used',
      };
    });
  } catch (err) {
    return { ok: false, message: `verify-pull on ${client.name}: ${(err as Error).message}` };
  }
}

/** Whether a mirror's /v2/_catalog, read from the client, lists `repository`; a string says why it could not be read. */
async function catalogLists(shell: HostShell, mirror: string, repository: string): Promise<boolean | string> {
  const catalog = await shell.run({ script: httpGetScript(`${mirror}/v2/_catalog`), label: 'read catalog' });
  if (catalog.exitCode !== 0) return catalog.stderr.trim() || `exit ${catalog.exitCode}`;
  try {
    const repositories = (JSON.parse(catalog.stdout) as { repositories?: unknown }).repositories;
    return Array.isArray(repositories) && repositories.includes(repository);
  } catch {
    return `not a catalog: ${JSON.stringify(catalog.stdout.slice(0, 200))}`;
  }
}
