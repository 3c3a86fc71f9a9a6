import { describe, expect, it } from 'vitest';
import { ConnectError } from '../core/errors.js';
import type { Host } from '../inventory/model.js';
import type { Connection, Transport } from '../transports/transport.js';
import { waitForMirrors } from './mirror-probe.js';

function host(name: string): Host {
  return { name, groups: ['all', 'clients'], vars: {}, become: false, ssh: { name, address: name, port: 22, user: 'root' } };
}

/** Hosts named gone-* never connect (after a moment, as a connect timeout would); the others answer every command with exit 0. */
function fakeTransport() {
  const stats = { inFlight: 0, maxInFlight: 0, connected: [] as string[], closed: 0 };
  const transport: Transport = {
    async connect(target) {
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      await new Promise((r) => setTimeout(r, 5));
      stats.inFlight--;
      if (target.name.startsWith('gone-')) throw new ConnectError(target.name, 'timeout', `timed out connecting to ${target.address}:22 after 2 s`);
      stats.connected.push(target.name);
      const connection: Connection = {
        exec: async () => ({ exitCode: 0, stdout: '{}', stderr: '' }),
        close: async () => void stats.closed++,
      };
      return connection;
    },
    dispose: async () => {},
  };
  return { transport, stats };
}

describe('waitForMirrors (the health gate)', () => {
  it('probes from the first client that connects, however many before it are gone, a bounded number at a time', async () => {
    const { transport, stats } = fakeTransport();
    const clients = [...Array.from({ length: 10 }, (_, i) => host(`gone-${i}`)), host('client-1'), host('client-2')];
    const unreachable: string[] = [];
    const result = await waitForMirrors(transport, clients, ['http://cache'], 1000, (h, reason) => unreachable.push(`${h.name}: ${reason}`), 3);
    expect(result).toMatchObject({ ok: true, message: 'http://cache answer GET /v2/ from client-1' });
    expect(unreachable).toHaveLength(10);
    expect(unreachable[0]).toBe('gone-0: timed out connecting to gone-0:22 after 2 s');
    expect(stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(stats.closed).toBe(stats.connected.length); // every connection made is closed
  });

  it('fails, saying so, only when no client can be reached at all', async () => {
    const { transport } = fakeTransport();
    const result = await waitForMirrors(transport, [host('gone-1'), host('gone-2')], ['http://cache'], 1000, () => {});
    expect(result).toEqual({ ok: false, message: 'no client could be reached to check the mirror from (2 tried)' });
  });
});
