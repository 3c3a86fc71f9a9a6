// The cache gate of `fleet apply`, through the fake transport: clients are touched only once every
// cache host is ready and the mirror answers from a client.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';
import { runApply } from '../../src/runner/apply.js';
import { FakeDockerClient } from './fake-docker-client.js';
import { b64, factsOutput, FakeTransport, type Rule } from './fake-transport.js';

const inventory = parseInventory(
  ['cache:', '  hosts:', '    cache-1: { ansible_host: 10.0.0.5 }', 'clients:', '  hosts:', '    client-1: { ansible_host: 10.0.0.11 }', ''].join('\n'),
  '/srv/inv.yml',
  {},
);

/** A Docker host with iptables and nothing of fleet's; once changed, its registry answers on loopback. */
function cacheHost(registryAnswers: boolean): Rule[] {
  let changed = false;
  return [
    {
      match: 'read cache facts',
      reply: () => factsOutput({
        'docker.version': '24.0.7', bridge: b64('docker0'), systemctl: 'yes', iptables: 'iptables v1.8.9 (nf_tables)', dockeruser: 'yes',
        'data.state': 'absent', 'probe.registry': changed && registryAnswers ? 'curl 0 200' : 'curl 7 000',
      }),
    },
    { match: /./, reply: () => ((changed = true), {}) },
  ];
}

async function run(cacheRules: Rule[] | 'unreachable', options: { dryRun?: boolean; mirrorAnswers?: boolean } = {}) {
  const client = new FakeDockerClient('{}\n');
  const probe: Rule = { match: 'probe mirror', reply: options.mirrorAnswers === false ? { exitCode: 7, stderr: 'connection refused' } : { stdout: '{}' } };
  const transport = new FakeTransport({ 'cache-1': cacheRules, 'client-1': client.rules([probe]) });
  const result = await runApply(
    inventory,
    { hosts: inventory.hosts, dryRun: options.dryRun ?? false, diff: false, restart: false, forks: 4, journalDir: mkdtempSync(join(tmpdir(), 'fleet-gate-')), recordedOptions: {}, healthTimeoutMs: 0, settleTimeoutMs: 2_000 },
    transport,
    () => {},
  );
  const status = (name: string) => result.outcomes.find((o) => o.host === name)!;
  return { result, status, clientCalls: transport.hosts.get('client-1')!.labels() };
}

describe('apply: the cache gate', () => {
  it('a failed cache host: no client is connected to, let alone changed', async () => {
    const { result, status, clientCalls } = await run([{ match: 'read cache facts', reply: factsOutput({ 'docker.error': b64('Cannot connect to the Docker daemon') }) }]);
    expect(status('cache-1')).toMatchObject({ status: 'failed', message: expect.stringMatching(/Docker is not installed or not running/) });
    expect(status('client-1')).toMatchObject({ status: 'skipped', message: expect.stringMatching(/cache host\(s\) cache-1 not ready .*no client was changed/) });
    expect(clientCalls).toEqual([]);
    expect(result.problems).toHaveLength(1);
  });

  it('an unreachable cache host stops the clients too', async () => {
    const { status, clientCalls } = await run('unreachable');
    expect(status('cache-1').status).toBe('unreachable');
    expect(status('client-1').status).toBe('skipped');
    expect(clientCalls).toEqual([]);
  });

  it('--check: nothing was started, so the gate does not wait for the mirror; clients are planned only', async () => {
    const { status, clientCalls } = await run(cacheHost(false), { dryRun: true, mirrorAnswers: false });
    expect(status('cache-1')).toMatchObject({ status: 'changed', message: expect.stringMatching(/check mode/) });
    expect(status('client-1')).toMatchObject({ status: 'changed', message: expect.stringMatching(/check mode/) });
    expect(clientCalls).toEqual(['detect the container runtime + read facts']);
  });

  it('a cache that converged but whose mirror does not answer from a client: clients skipped, unchanged', async () => {
    const { result, status, clientCalls } = await run(cacheHost(true), { mirrorAnswers: false });
    expect(status('cache-1').status).toBe('changed');
    expect(status('client-1')).toMatchObject({ status: 'skipped', message: expect.stringMatching(/mirror not healthy .*connection refused.*no client was changed/) });
    expect(new Set(clientCalls)).toEqual(new Set(['probe mirror'])); // probed, never read or written
    expect(result.problems.join('\n')).toMatch(/mirror not healthy/);
  });

  it('a cache whose registry never answers on loopback fails verification, and the clients wait', async () => {
    const { status, clientCalls } = await run(cacheHost(false));
    expect(status('cache-1')).toMatchObject({ status: 'failed', message: expect.stringMatching(/verification failed: the registry container does not answer http:\/\/127\.0\.0\.1:80\/v2\//) });
    expect(status('client-1').status).toBe('skipped');
    expect(clientCalls).toEqual([]);
  }, 60_000);

  it('a healthy cache and mirror: the client is converged', async () => {
    const { status } = await run(cacheHost(true));
    expect(status('client-1')).toMatchObject({ status: 'changed', message: 'mirrors now ["http://10.0.0.5"]' });
  });
});
