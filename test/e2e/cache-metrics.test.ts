// Cache effectiveness on the lab: after two clients pull busybox through cache-1, `fleet check`
// reports the registry's proxy counters (JSON, the human line, the textfile that Debian's
// node_exporter serves), and the registry's debug endpoint they come from answers nowhere but
// inside the container: not from a client, not from the outsider, not even routed to directly.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleet, labInventory } from './fleet.js';
import { hostExec, hostSh, readLab, resetClients, resetHost } from './lab.js';
import { metricsTheRulesUse, samples, startNodeExporter, type NodeExporter } from './node-exporter.js';

const DEBUG_PORT = 5001;

interface CacheReport {
  host: string;
  message: string;
  findings: Array<{ kind: string }>;
  cache?: { requests: { manifest: { hit: number; miss: number }; blob?: unknown }; bytes?: unknown };
}

let dir = '';
let file = '';
let exporter: NodeExporter | undefined;

/** The registry's own manifest counters, read inside its container's network namespace. */
async function registryManifestCounters(): Promise<{ Requests: number; Misses: number }> {
  const vars = await hostSh('cache-1', `nsenter -t "$(docker inspect -f '{{.State.Pid}}' through-cache)" -n curl -fsS http://127.0.0.1:${DEBUG_PORT}/debug/vars`);
  return JSON.parse(vars).registry.proxy.manifests;
}

beforeAll(async () => {
  await resetHost('cache-1');
  // An empty cache, whatever earlier files pulled through cache-1: the first pull below is a miss.
  await hostSh('cache-1', 'rm -rf /var/lib/fleet/registry');
  await resetClients();
  ({ dir, file } = labInventory({ withCache: true }));
  const apply = await fleet(dir, ['apply', file]);
  if (apply.code !== 0) throw new Error(`apply failed (${apply.code}): ${apply.stdout}${apply.stderr}`);
  // one pull fetched upstream (client-1), one answered from the cache's disk (client-2)
  for (const client of ['client-1', 'client-2']) {
    await hostSh(client, 'docker rmi -f busybox:latest >/dev/null 2>&1 || true');
    await hostSh(client, 'docker pull busybox >/dev/null');
  }
}, 300_000);

afterAll(() => exporter?.stop());

describe('fleet check reports what the cache saved', () => {
  it('gives the manifest hits and misses of cache-1 in --json, equal to the registry\'s own counters', async () => {
    const result = await fleet(dir, ['check', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const cache = (JSON.parse(result.stdout).hosts as CacheReport[]).find((h) => h.host === 'cache-1')!;
    const own = await registryManifestCounters();
    expect(own.Misses).toBe(1);
    expect(cache.cache?.requests.manifest).toEqual({ hit: own.Requests - own.Misses, miss: own.Misses });
    expect(cache.cache!.requests.manifest.hit).toBeGreaterThanOrEqual(1);
    // registry 2.8 (the lab's) miscounts blobs: fleet reports neither blobs nor bytes from it
    expect(cache.cache!.requests.blob).toBeUndefined();
    expect(cache.cache!.bytes).toBeUndefined();
    expect(cache.findings.map((f) => f.kind)).not.toContain('cache-metrics');
    const { hit, miss } = cache.cache!.requests.manifest;
    expect(cache.message).toContain(`hit ratio ${Math.round((100 * hit) / (hit + miss))}%: ${hit} Docker Hub pull${hit === 1 ? '' : 's'} avoided`);
  });

  it('prints the hit ratio in the human report', async () => {
    const result = await fleet(dir, ['check', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/cache-1.*cache: hit ratio \d+%: \d+ Docker Hub pulls? avoided/);
  });

  it("writes fleet_cache_requests_total, which node_exporter's textfile collector serves", async () => {
    const textDir = mkdtempSync(join(tmpdir(), 'fleet-e2e-prom-'));
    const result = await fleet(dir, ['check', file, '--prometheus', join(textDir, 'fleet.prom')]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(textDir, 'fleet.prom'), 'utf8')).toContain('# TYPE fleet_cache_requests_total counter');
    exporter = await startNodeExporter(textDir);
    const metrics = await exporter.scrape();
    expect(metrics, exporter.log()).toMatch(/^node_textfile_scrape_error 0$/m);
    const own = await registryManifestCounters();
    const value = (result: string) => samples(metrics).find((s) => s.name === 'fleet_cache_requests_total' && s.labels.host === 'cache-1' && s.labels.role === 'cache' && s.labels.kind === 'manifest' && s.labels.result === result)?.value;
    expect(value('miss')).toBe(own.Misses);
    expect(value('hit')).toBe(own.Requests - own.Misses);
    // what monitoring.test.ts leaves to this file: the cache counters the alert rules use
    const cacheMetrics = [...metricsTheRulesUse()].filter((name) => name.startsWith('fleet_cache_'));
    expect(cacheMetrics).toContain('fleet_cache_requests_total');
    for (const name of cacheMetrics) expect(samples(metrics).some((s) => s.name === name), name).toBe(true);
  });
});

describe("the registry's debug endpoint", () => {
  it('has no listener on any address of the cache host, and no published port', async () => {
    const listeners = await hostSh('cache-1', 'ss -Hltn');
    expect(listeners).not.toMatch(new RegExp(`:${DEBUG_PORT}\\b`));
    expect(await hostSh('cache-1', 'docker port through-cache')).not.toContain(String(DEBUG_PORT));
  });

  it('does not answer a client or the outsider, not even routed straight to the container', async () => {
    const cache = readLab().hosts['cache-1']!.address;
    const containerIp = (await hostSh('cache-1', "docker inspect -f '{{.NetworkSettings.IPAddress}}' through-cache")).trim();
    expect(containerIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const attacker of ['client-1', 'outsider']) {
      const viaHost = await hostExec(attacker, `curl -s -m 5 -o /dev/null -w %{http_code} http://${cache}:${DEBUG_PORT}/debug/vars`);
      expect(viaHost.stdout, attacker).toBe('000');
      // an attacker on the same L2 routes the container network through the cache host
      await hostSh(attacker, `ip route replace ${containerIp}/32 via ${cache}`);
      try {
        const direct = await hostExec(attacker, `curl -s -m 5 -o /dev/null -w %{http_code} http://${containerIp}:${DEBUG_PORT}/debug/vars`);
        expect(direct.stdout, attacker).toBe('000');
      } finally {
        await hostSh(attacker, `ip route del ${containerIp}/32 via ${cache}`);
      }
    }
  });
});
