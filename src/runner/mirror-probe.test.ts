import { describe, expect, it } from 'vitest';
import { ConnectError } from '../core/errors.js';
import type { Host } from '../inventory/model.js';
import type { Connection, Transport } from '../transports/transport.js';
import { verifyPull, waitForMirrors } from './mirror-probe.js';

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

/** A client whose commands are answered from a table: the first entry whose key the script contains. */
function tableTransport(table: ReadonlyArray<readonly [string, { exitCode: number; stdout?: string; stderr?: string }]>) {
  const scripts: string[] = [];
  const transport: Transport = {
    async connect() {
      return {
        exec: async (command) => {
          scripts.push(command.script);
          const hit = table.find(([key]) => command.script.includes(key));
          return hit ? { stdout: '', stderr: '', ...hit[1] } : { exitCode: 99, stdout: '', stderr: `no answer for ${command.script}` };
        },
        close: async () => {},
      };
    },
    dispose: async () => {},
  };
  return { transport, scripts };
}

const catalog = (...repositories: string[]) => ({ exitCode: 0, stdout: JSON.stringify({ repositories }) });

describe('verifyPull', () => {
  const caches = ['http://10.77.1.2', 'http://10.77.1.1'];

  it('names the cache whose catalog holds the image, reading every cache of the client', async () => {
    const { transport, scripts } = tableTransport([
      ['docker pull', { exitCode: 0 }],
      ['http://10.77.1.2/v2/_catalog', { exitCode: 7, stderr: 'curl: (7) Failed to connect to 10.77.1.2 port 80: Connection refused' }],
      ['http://10.77.1.1/v2/_catalog', catalog('library/alpine', 'library/busybox')],
    ]);
    const result = await verifyPull(transport, host('client-1'), caches, 'busybox');
    expect(result).toEqual({
      ok: true,
      message: 'client-1 pulled busybox and library/busybox is in the catalog of http://10.77.1.1; catalog unreadable: http://10.77.1.2 (curl: (7) Failed to connect to 10.77.1.2 port 80: Connection refused)',
    });
    expect(scripts.filter((s) => s.includes('_catalog'))).toHaveLength(2);
  });

  it('fails when no cache of the client lists the image: the pull went elsewhere', async () => {
    const { transport } = tableTransport([['docker pull', { exitCode: 0 }], ['_catalog', catalog('library/alpine')]]);
    const result = await verifyPull(transport, host('client-1'), caches, 'busybox');
    expect(result.ok).toBe(false);
    expect(result.message).toBe('client-1 pulled busybox, but no cache of its own (http://10.77.1.2, http://10.77.1.1) lists library/busybox: ' +
      'Docker fell back to a public fallback mirror or to Docker Hub, so its caches are not used');
  });

  it("says plainly when Docker Desktop's Registry Access Management refused the pull", async () => {
    const { transport } = tableTransport([
      ['docker pull', { exitCode: 1, stderr: 'Error response from daemon: Access to docker.io has been restricted by your administrators.\n' }],
    ]);
    const result = await verifyPull(transport, host('laptop'), caches, 'busybox');
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^docker pull busybox failed on laptop: Docker Desktop's Registry Access Management blocks docker\.io/);
    expect(result.message).toContain('docker pull 10.77.1.2/library/busybox:latest && docker tag 10.77.1.2/library/busybox:latest busybox');
  });

  it('passes any other pull failure through as it came', async () => {
    const { transport } = tableTransport([['docker pull', { exitCode: 1, stderr: 'Error response from daemon: manifest unknown\n' }]]);
    expect(await verifyPull(transport, host('client-1'), caches, 'busybox')).toEqual({ ok: false, message: 'docker pull busybox failed on client-1: Error response from daemon: manifest unknown' });
  });
});
