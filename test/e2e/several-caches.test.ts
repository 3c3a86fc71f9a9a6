// Two cache hosts and a public fallback on the real lab: every client gets both caches in the
// order hashed from its name, then the fallback; both caches admit every client; with one
// cache's container stopped, a client still pulls through the other, check names the stopped
// cache, apply still converges the clients, and rollback restores them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientMirrorOrder } from '../../src/modules/mirrors/order.js';
import { fleet, labInventory, summaryOf } from './fleet.js';
import { activeMirrors, hostExec, hostSh, labHost, resetHost } from './lab.js';

const CACHES = ['cache-1', 'cache-2'];
const CLIENTS = ['client-1', 'client-2', 'client-3'];
// An address of the lab network where nothing answers: a fallback that must come last and is
// never probed (a real inventory would name https://mirror.gcr.io).
const FALLBACK = 'http://10.77.0.99';

const mirrorOf = (cache: string) => `http://${labHost(cache).address}`;
const expectedOrder = (client: string) => [...clientMirrorOrder(client, CACHES.map(mirrorOf)), FALLBACK];

async function daemonJsonMirrors(host: string): Promise<unknown> {
  return JSON.parse(await hostSh(host, 'cat /etc/docker/daemon.json'))['registry-mirrors'];
}

beforeAll(async () => {
  await resetHost(...CACHES, ...CLIENTS);
}, 180_000);

afterAll(async () => {
  // Other test files expect cache-2 out of use and the clients as lab.sh left them.
  await resetHost(...CACHES, ...CLIENTS);
}, 180_000);

describe('several caches and a fallback mirror', () => {
  let dir: string;
  let file: string;

  it('apply converges both caches and every client, each with both caches in its hashed order, then the fallback', async () => {
    ({ dir, file } = labInventory({ caches: CACHES, vars: { mirror_fallbacks: [FALLBACK] } }));
    const result = await fleet(dir, ['apply', file, '--json', '--verify-pull', 'busybox']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(summaryOf(result).recap).toMatchObject({ changed: 5, failed: 0 });
    // --verify-pull names the cache whose catalog now holds the image.
    const verify = result.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'verify');
    expect(verify).toMatchObject({ ok: true, message: expect.stringMatching(/pulled busybox and library\/busybox is in the catalog of http:\/\/10\.77\.1\.[12]/) });

    // Not every client has the same first cache, or the hash spreads nothing (checked here so a
    // change of lab names that made them equal is noticed).
    expect(new Set(CLIENTS.map((c) => expectedOrder(c)[0])).size).toBe(2);
    for (const client of CLIENTS) {
      expect(await daemonJsonMirrors(client), client).toEqual(expectedOrder(client));
      expect(await activeMirrors(client), client).toEqual(expectedOrder(client).map((m) => `${m}/`));
    }
  });

  it('both caches admit every client, and no other host', async () => {
    for (const client of CLIENTS) {
      for (const cache of CACHES) {
        expect(await hostSh(client, `curl -fsS --max-time 5 ${mirrorOf(cache)}/v2/`), `${client} -> ${cache}`).toBe('{}');
      }
    }
    for (const cache of CACHES) {
      expect((await hostExec('outsider', `curl -fsS --max-time 5 ${mirrorOf(cache)}/v2/`)).code, `outsider -> ${cache}`).not.toBe(0);
    }
  });

  it('with the first cache of a client stopped, the client pulls through the other cache', async () => {
    const [stopped, surviving] = expectedOrder('client-1').map((m) => CACHES.find((c) => mirrorOf(c) === m)!);
    await hostSh(stopped!, 'docker stop through-cache');
    const since = (await hostSh(surviving!, 'date -u +%Y-%m-%dT%H:%M:%SZ')).trim();
    // The stopped cache refuses at once (a reset, not a timeout), so the pull goes on to the next mirror.
    const refused = await hostExec('client-1', `curl -sS --max-time 5 ${mirrorOf(stopped!)}/v2/`);
    expect(refused.stderr).toMatch(/Connection refused|Failed to connect/);

    // Without the image, the pull fetches the manifest and blobs (an up-to-date image costs only a HEAD).
    await hostSh('client-1', 'docker rmi -f busybox >/dev/null 2>&1 || true');
    const pull = await hostExec('client-1', 'docker pull busybox');
    expect(pull.code, pull.stderr).toBe(0);
    const catalog = JSON.parse(await hostSh('client-1', `curl -fsS --max-time 5 ${mirrorOf(surviving!)}/v2/_catalog`));
    expect(catalog.repositories).toContain('library/busybox');
    // And the surviving cache served this very pull: its catalog may hold busybox from earlier
    // tests (the data dir outlives a reset), its access log since the stop may not.
    const log = await hostSh(surviving!, `docker logs --since ${since} through-cache 2>&1`);
    expect(log).toMatch(/"HEAD \/v2\/library\/busybox\/manifests\/latest HTTP\/1\.1" 200 /);
  });

  it('check names the stopped cache, on the cache host and from the clients', async () => {
    const stopped = CACHES.find((c) => mirrorOf(c) === expectedOrder('client-1')[0])!;
    const r = await fleet(dir, ['check', file, '--json']);
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    const report = JSON.parse(r.stdout) as { hosts: Array<{ host: string; status: string; findings: Array<{ kind: string; subject?: string; severity: string }> }> };
    const findings = (host: string) => report.hosts.find((h) => h.host === host)!.findings.filter((f) => f.severity !== 'warning');
    expect(findings(stopped).length, JSON.stringify(report)).toBeGreaterThan(0);
    const other = CACHES.find((c) => c !== stopped)!;
    expect(findings(other), JSON.stringify(findings(other))).toEqual([]);
    for (const client of CLIENTS) {
      const unreachable = findings(client).filter((f) => f.kind === 'mirror-unreachable');
      // Only the stopped cache: the fallback is not the operator's to answer for.
      expect(unreachable.map((f) => f.subject), client).toEqual([`GET ${mirrorOf(stopped)}/v2/ from this host`]);
    }
  });

  it('apply to the clients while one cache is down leaves them configured, warning about that cache', async () => {
    const stopped = CACHES.find((c) => mirrorOf(c) === expectedOrder('client-1')[0])!;
    const r = await fleet(dir, ['apply', file, '--json', '--limit', 'clients']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(summaryOf(r).recap).toMatchObject({ ok: 3, failed: 0 });
    const warnings = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === 'warning');
    for (const client of CLIENTS) {
      expect(warnings.some((w) => w.host === client && w.message.includes(`mirror ${mirrorOf(stopped)} does not answer`)), client).toBe(true);
      expect(await daemonJsonMirrors(client)).toEqual(expectedOrder(client));
    }
  });

  it('rollback restores every client', async () => {
    const r = await fleet(dir, ['rollback', file, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const client of CLIENTS) {
      const file = await hostSh(client, 'cat /etc/docker/daemon.json 2>/dev/null || echo {}');
      expect(JSON.parse(file), client).not.toHaveProperty('registry-mirrors');
      expect(await activeMirrors(client), client).toEqual([]);
    }
  });
});
