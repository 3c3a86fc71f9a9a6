// `fleet rollback --cache --purge-cache` deletes only a data directory fleet created and marked as
// its own: never one the inventory merely names (/var/lib), nor one reached through a symlink.
import { beforeEach, describe, expect, it } from 'vitest';
import { fleet, labInventory, summaryOf } from './fleet.js';
import { hostExec, hostSh, resetHost } from './lab.js';

/** What a directory tree holds, to compare before and after: names, types and sizes. */
function treeOf(dir: string): Promise<string> {
  return hostSh('cache-1', `find ${dir} -xdev \\( -path /var/lib/docker -o -path /var/lib/containerd \\) -prune -o -printf '%p %y %s\\n' | sort`);
}

async function purge(dataDir: string, ...extra: string[]) {
  const { dir, file } = labInventory({ withCache: true, vars: { registry_data_dir: dataDir } });
  const result = await fleet(dir, ['rollback', file, '--cache', '--purge-cache', '--json', '--limit', 'cache', ...extra]);
  return { result, cache: summaryOf(result).hosts.find((h) => h.host === 'cache-1')! };
}

beforeEach(async () => {
  await resetHost('cache-1');
  await hostSh('cache-1', 'rm -rf /srv/fleet-e2e /var/lib/not-fleet');
}, 120_000);

describe('rollback --cache --purge-cache', () => {
  it('refuses a directory fleet did not create, changing nothing', async () => {
    await hostSh('cache-1', 'mkdir -p /var/lib/not-fleet/docker && echo precious > /var/lib/not-fleet/keep-me');
    const before = await treeOf('/var/lib/not-fleet');
    for (const mode of [['--check'], []]) {
      const { result, cache } = await purge('/var/lib/not-fleet', ...mode);
      expect(result.code, result.stdout).toBe(4);
      expect(cache.status).toBe('failed');
      expect(cache.message).toMatch(/not purging \/var\/lib\/not-fleet: .*\.fleet-cache/);
      expect(await treeOf('/var/lib/not-fleet')).toBe(before);
    }
  });

  it('refuses /var/lib, in check mode and for real', async () => {
    const before = await treeOf('/var/lib');
    for (const mode of [['--check'], []]) {
      const { result, cache } = await purge('/var/lib', ...mode);
      expect(result.code, result.stdout).toBe(4);
      expect(cache.message).toMatch(/not purging \/var\/lib\b/);
      expect(await treeOf('/var/lib')).toBe(before);
    }
  });

  it('refuses a data dir that is a symlink, even to a directory fleet made', async () => {
    // fleet's own directory, reached under another name
    const { dir, file } = labInventory({ withCache: true, vars: { registry_data_dir: '/srv/fleet-e2e/real' } });
    expect((await fleet(dir, ['apply', file, '--limit', 'cache'])).code).toBe(0);
    await hostSh('cache-1', 'ln -s /srv/fleet-e2e/real /srv/fleet-e2e/link && ln -s /var/lib /srv/fleet-e2e/to-var-lib');
    const before = await treeOf('/srv/fleet-e2e/real/');
    for (const link of ['/srv/fleet-e2e/link', '/srv/fleet-e2e/to-var-lib']) {
      const { result, cache } = await purge(link);
      expect(result.code, result.stdout).toBe(4);
      expect(cache.message).toMatch(/symlink/);
    }
    expect(await treeOf('/srv/fleet-e2e/real/')).toBe(before);
    expect((await hostExec('cache-1', 'test -L /srv/fleet-e2e/link && test -d /var/lib/dpkg')).code).toBe(0);
  });

  it("purges fleet's own directory, cached data and all", async () => {
    const { dir, file } = labInventory({ withCache: true, vars: { registry_data_dir: '/srv/fleet-e2e/cache' } });
    const applied = await fleet(dir, ['apply', file, '--limit', 'cache']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // a client fetches through the mirror: the cache stores what it fetched upstream
    await hostSh('client-1', "curl -fsS -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' http://10.77.1.1/v2/library/busybox/manifests/latest");
    expect(await hostSh('cache-1', 'find /srv/fleet-e2e/cache -path "*library/busybox*" | head -1')).not.toBe('');
    const result = await fleet(dir, ['rollback', file, '--cache', '--purge-cache', '--json', '--limit', 'cache']);
    expect(result.code, result.stdout).toBe(0);
    expect((await hostExec('cache-1', 'test -e /srv/fleet-e2e/cache')).code).not.toBe(0);
  });

  it('apply refuses to take over a non-empty directory it did not create', async () => {
    await hostSh('cache-1', 'mkdir -p /var/lib/not-fleet && echo precious > /var/lib/not-fleet/keep-me');
    const { dir, file } = labInventory({ withCache: true, vars: { registry_data_dir: '/var/lib/not-fleet' } });
    const result = await fleet(dir, ['apply', file, '--json', '--limit', 'cache']);
    expect(result.code).toBe(4);
    expect(summaryOf(result).hosts[0]!.message).toMatch(/\/var\/lib\/not-fleet .*not created by fleet/);
    expect(await hostSh('cache-1', 'ls -A /var/lib/not-fleet')).toBe('keep-me\n');
    expect((await hostExec('cache-1', 'docker inspect through-cache')).code).not.toBe(0);
  });
});
