// The Prometheus textfile of a real `fleet check` run on the lab, served by Debian's
// prometheus-node-exporter (textfile collector only, on 127.0.0.1): it parses the file, and every
// series fleet wrote, and every metric the alert rules use, is on its /metrics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleet, labInventory } from './fleet.js';
import { resetClients, resetHost } from './lab.js';
import { metricsTheRulesUse, samples, startNodeExporter, type NodeExporter } from './node-exporter.js';

let exporter: NodeExporter | undefined;
let textfile = '';
let metrics = '';
let checkCode: number | null = null;

beforeAll(async () => {
  await resetHost('cache-1');
  await resetClients();
  // cache-1 as the lab leaves it (no cache container: the cache alerts' findings), client-3 on a
  // port where nothing listens (unreachable)
  const { dir, file } = labInventory({ withCache: true, hostVars: { 'client-3': { ansible_port: 2299 } } });
  const result = await fleet(dir, ['check', file, '--prometheus', join(dir, 'fleet.prom')]);
  checkCode = result.code;
  textfile = readFileSync(join(dir, 'fleet.prom'), 'utf8');

  exporter = await startNodeExporter(dir);
  metrics = await exporter.scrape();
}, 180_000);

afterAll(() => {
  exporter?.stop();
});

describe("fleet check's textfile through node_exporter", () => {
  it('is parsed by the textfile collector without error', () => {
    expect(checkCode).toBe(6); // drift (the cache is not there) and an unreachable host
    expect(metrics, exporter?.log()).toMatch(/^node_textfile_scrape_error 0$/m);
    expect(metrics).toMatch(/^node_textfile_mtime_seconds\{file="[^"]*fleet\.prom"\} /m);
  });

  it('serves every series fleet wrote, with the same value', () => {
    const written = samples(textfile);
    const served = new Map(samples(metrics).map((s) => [s.key, s.value]));
    expect(written.length).toBeGreaterThan(20);
    for (const s of written) {
      expect(served.has(s.key), `${s.key} on /metrics`).toBe(true);
      expect(served.get(s.key), s.key).toBeCloseTo(s.value, 3);
    }
  });

  it('shows what the alerts fire on: the unreachable host, the missing cache, drift', () => {
    const value = (name: string, labels: Record<string, string>) =>
      samples(metrics).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('fleet_check_up', { host: 'client-3', role: 'client' })).toBe(0);
    expect(value('fleet_check_up', { host: 'cache-1', role: 'cache' })).toBe(1);
    expect(value('fleet_check_finding', { host: 'cache-1', kind: 'container-missing', severity: 'drift' })).toBe(1);
    expect(value('fleet_check_finding', { host: 'cache-1', kind: 'registry-unhealthy', severity: 'drift' })).toBe(1);
    expect(value('fleet_check_drift', { host: 'cache-1' })).toBe(1);
    expect(value('fleet_check_exit_code', {})).toBe(6);
    const age = Date.now() / 1000 - value('fleet_check_last_run_timestamp_seconds', {})!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
  });

  it('has every metric the alert rules use (the cache counters: see cache-metrics.test.ts)', () => {
    // fleet_cache_* come from a registry that serves; here cache-1 has none
    const used = [...metricsTheRulesUse()].filter((name) => !name.startsWith('fleet_cache_'));
    const served = new Set(samples(metrics).map((s) => s.name));
    expect(used.length).toBeGreaterThan(3);
    for (const name of used) expect(served.has(name), name).toBe(true);
  });
});
