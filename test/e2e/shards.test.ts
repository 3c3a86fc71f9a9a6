// --shard I/K on the real lab: apply in 2 shards at once from one journal (shard 2 waits for the
// cache shard 1 installs), the fleet checked in 3 shards and merged with `fleet report merge`
// into the report of one unsharded check, and rollback of one shard.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fleet, summaryOf } from './fleet.js';
import { activeMirrors, hostSh, readLab, resetClients, resetHost } from './lab.js';

// Inventory names chosen so that each of 3 shards holds one client, and shard 2 of 2 two of them
// (a host's shard depends on its name only): name -> lab host.
const CLIENTS = { 'ci-1': 'client-1', 'ci-2': 'client-2', 'ci-5': 'client-3' } as const;
// An address on the lab network where nothing answers; `gone-1` is in shard 2 of 3, with ci-5.
const GONE = { 'gone-1': { ansible_host: '10.77.9.1' } };
const MIRROR = 'http://10.77.1.1/';

let dir: string;

/** An inventory of the lab's cache and clients under the names above, plus `extra` clients. */
function writeInventory(name: string, extra: Record<string, Record<string, unknown>> = {}): string {
  const lab = readLab();
  const inventory = {
    all: {
      vars: { ansible_user: 'root', ansible_ssh_private_key_file: lab.keyFile, registry_image: 'registry:2', registry_proxy_remoteurl: lab.hubUrl, mirror_allow_cidrs: ['10.77.2.0/24', '10.77.9.0/24'] },
      children: {
        cache: { hosts: { 'cache-1': { ansible_host: lab.hosts['cache-1']!.address } } },
        clients: { hosts: { ...Object.fromEntries(Object.entries(CLIENTS).map(([n, h]) => [n, { ansible_host: lab.hosts[h]!.address }])), ...extra } },
      },
    },
  };
  const file = join(dir, name);
  writeFileSync(file, stringify(inventory));
  return file;
}

interface Report {
  exitCode: number;
  shard?: { index: number; count: number };
  summary: Record<string, unknown>;
  hosts: Array<{ host: string; status: string; durationMs?: number; findings: unknown[] }>;
  fix: string | null;
}

/** What must be equal between a merged report and one run: hosts (without timings), totals, exit code, hosts to fix. */
function comparable(report: Report) {
  return {
    exitCode: report.exitCode,
    summary: report.summary,
    hosts: Object.fromEntries(report.hosts.map(({ durationMs: _, ...h }) => [h.host, h])),
    fix: report.fix === null ? null : { command: report.fix.replace(/ --limit \S+$/, ''), hosts: /--limit (\S+)$/.exec(report.fix)![1]!.split(',').sort() },
  };
}

/** The first time (ms) an NDJSON event matched `match`. */
function firstEventTime(stdout: string, match: (event: Record<string, unknown>) => boolean): number {
  const event = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find(match);
  if (!event) throw new Error(`no such event in ${stdout}`);
  return Date.parse(event.time as string);
}

beforeAll(async () => {
  await resetHost('cache-1');
  await resetClients();
  dir = mkdtempSync(join(tmpdir(), 'fleet-e2e-shards-'));
}, 120_000);

describe('--shard', () => {
  it('applies in 2 shards at once from one journal: shard 1 the cache and its clients, shard 2 its clients once the mirror answers', async () => {
    const file = writeInventory('inventory.yml');
    const [one, two] = await Promise.all([fleet(dir, ['apply', file, '--json', '--shard', '1/2']), fleet(dir, ['apply', file, '--json', '--shard', '2/2'])]);
    expect(one.code, one.stdout + one.stderr).toBe(0);
    expect(two.code, two.stdout + two.stderr).toBe(0);
    const hostsOf = (r: typeof one) => Object.fromEntries(summaryOf(r).hosts.map((h) => [h.host, h.status]));
    expect(hostsOf(one)).toEqual({ 'cache-1': 'changed', 'ci-1': 'changed' });
    expect(hostsOf(two)).toEqual({ 'ci-2': 'changed', 'ci-5': 'changed' });
    for (const host of Object.values(CLIENTS)) expect(await activeMirrors(host)).toEqual([MIRROR]);

    // Shard 2 touched its clients only once the cache shard 1 started was there to answer.
    const cacheStarted = Date.parse((await hostSh('cache-1', "docker inspect -f '{{.State.StartedAt}}' through-cache")).trim());
    const shardTwoFirstClientStep = firstEventTime(two.stdout, (e) => e.type === 'host-step' && typeof e.host === 'string' && e.host.startsWith('ci-'));
    expect(shardTwoFirstClientStep).toBeGreaterThan(cacheStarted);

    // One journal, one record per shard, each naming its shard; both lock files released.
    const runs = readdirSync(join(dir, '.fleet', 'runs')).map((id) => JSON.parse(readFileSync(join(dir, '.fleet', 'runs', id, 'run.json'), 'utf8')));
    expect(runs.map((r) => r.shard).sort((a, b) => a.index - b.index)).toEqual([{ index: 1, count: 2 }, { index: 2, count: 2 }]);
    expect(readdirSync(join(dir, '.fleet')).filter((f) => f.startsWith('lock'))).toEqual([]);
  }, 300_000);

  it('checks in 3 shards, and `fleet report merge` makes of them the report of one check', async () => {
    const file = writeInventory('with-gone.yml', GONE);
    // drift on ci-2 (shard 3); gone-1 (shard 2) unreachable: bits 2 and 4 from two shards
    await hostSh('client-2', `echo '{}' > /etc/docker/daemon.json`);
    const flags = ['--json', '--connect-timeout', '2', '--connect-retries', '0'];
    const [whole, ...shards] = await Promise.all([fleet(dir, ['check', file, ...flags]), ...[1, 2, 3].map((i) => fleet(dir, ['check', file, ...flags, '--shard', `${i}/3`]))]);
    expect(whole.code, whole.stderr).toBe(6);
    const reports = shards.map((r) => JSON.parse(r.stdout) as Report);
    expect(shards.map((r) => r.code)).toEqual([0, 4, 2]);
    expect(reports.map((r) => r.shard)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
    expect(reports.map((r) => r.hosts.map((h) => h.host))).toEqual([['cache-1', 'ci-1'], ['ci-5', 'gone-1'], ['ci-2']]);

    const files = reports.map((_, i) => join(dir, `shard-${i + 1}.json`));
    shards.forEach((r, i) => writeFileSync(files[i]!, r.stdout));
    const prom = join(dir, 'fleet.prom');
    const merged = await fleet(dir, ['report', 'merge', files[2]!, files[0]!, files[1]!, '--max-age', '30m', '--prometheus', prom]);
    expect(merged.code, merged.stderr).toBe(6);
    const mergedReport = JSON.parse(merged.stdout) as Report;
    expect(mergedReport.shard).toBeUndefined();
    expect(comparable(mergedReport)).toEqual(comparable(JSON.parse(whole.stdout) as Report));
    expect(readFileSync(prom, 'utf8')).toMatch(/^fleet_check_exit_code\{inventory="[^"]*with-gone\.yml"\} 6$/m);

    // two of three shards: refused, naming what is missing; nothing on stdout
    const partial = await fleet(dir, ['report', 'merge', files[0]!, files[2]!]);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toBe('');
    expect(partial.stderr).toMatch(/shards? 2\/3 missing/);
  }, 300_000);

  it('rolls back one shard (recap naming it), and refuses rollback --cache in a shard of several', async () => {
    const file = writeInventory('inventory.yml');
    const cache = await fleet(dir, ['rollback', file, '--cache', '--shard', '1/2']);
    expect(cache.code).toBe(1);
    expect(cache.stderr).toMatch(/--cache with --shard 1\/2: one shard cannot know/);

    const two = await fleet(dir, ['rollback', file, '--shard', '2/2']);
    expect(two.code, two.stdout + two.stderr).toBe(0);
    expect(two.stdout).toContain('RECAP (shard 2/2');
    expect(await activeMirrors('client-2')).toEqual([]);
    expect(await activeMirrors('client-3')).toEqual([]);
    expect(await activeMirrors('client-1')).toEqual([MIRROR]); // shard 1's client keeps the mirror
    expect(await hostSh('cache-1', "docker inspect -f '{{.State.Running}}' through-cache")).toMatch(/true/);
  }, 300_000);
});
