// One fleet of Docker, Podman and containerd clients behind the cache on cache-1: one `fleet apply`
// converges them all (containerd's config.toml change needs --restart), each pulls busybox through
// the cache, check is in sync, a hand edit shows as drift, and rollback leaves each as it was.
// Nothing is mocked: real sshd, dockerd, podman, containerd and registry in the lab.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleet, labInventory, summaryOf } from './fleet.js';
import { activeMirrors, hostExec, hostSh, readLab, resetEveryClient, resetHost } from './lab.js';
import { clientMirrorOrder } from '../../src/modules/mirrors/order.js';

const PODMAN = 'client-podman';
const CONTAINERD = 'client-containerd';
const DOCKER = ['client-1', 'client-2', 'client-3'];
const DROP_IN = '/etc/containers/registries.conf.d/zz-fleet-mirrors.conf';
const HOSTS_TOML = '/etc/containerd/certs.d/docker.io/hosts.toml';
const CTR_PULL = 'ctr --address /run/containerd/containerd.sock images pull --hosts-dir /etc/containerd/certs.d docker.io/library/busybox:latest';

/**
 * Every file under `dir` on `host` with its sha256: equal strings mean the same files, byte for
 * byte (an absent directory has none; directories fleet created and left empty do not count).
 */
function tree(host: string, dir: string): Promise<string> {
  return hostSh(host, `[ -d ${dir} ] || exit 0; cd ${dir} && find . -type f | LC_ALL=C sort | while read -r f; do printf '%s ' "$f"; sha256sum < "$f"; done`);
}

function hostOf(result: Awaited<ReturnType<typeof fleet>>, name: string) {
  return summaryOf(result).hosts.find((h) => h.host === name) as { host: string; status: string; message: string; runtime?: string } | undefined;
}

beforeAll(async () => {
  await Promise.all([resetEveryClient(), resetHost('cache-1', 'cache-2')]);
}, 180_000);
afterAll(async () => {
  await Promise.all([resetEveryClient(), resetHost('cache-1', 'cache-2')]);
}, 180_000);

describe('a mixed fleet: Docker, Podman and containerd clients', () => {
  it('converges with one apply (containerd with --restart), pulls through the cache, checks in sync, shows drift, rolls back', async () => {
    const lab = readLab();
    const cacheMirror = `http://${lab.hosts['cache-1']!.address}`;
    const { dir, file } = labInventory({ withCache: true, runtimeClients: true, hostVars: { [PODMAN]: { mirror_boot_hook: true } } });
    const before = {
      daemonJson: JSON.parse(await hostSh('client-1', 'cat /etc/docker/daemon.json')),
      podman: await tree(PODMAN, '/etc/containers'),
      certsD: await tree(CONTAINERD, '/etc/containerd/certs.d'),
    };
    expect((await hostExec(PODMAN, 'podman pull -q docker.io/library/busybox')).code, 'without a mirror the lab has no way out').not.toBe(0);

    // Without --restart: containerd's config.toml change is refused, everything else converges.
    const first = await fleet(dir, ['apply', file, '--json']);
    expect(first.code, first.stderr).toBe(4);
    for (const host of DOCKER) expect(hostOf(first, host)).toMatchObject({ status: 'changed', runtime: 'docker' });
    expect(hostOf(first, PODMAN)).toMatchObject({ status: 'changed', runtime: 'podman', message: expect.stringContaining(`Docker Hub mirrors now ["${lab.hosts['cache-1']!.address} (insecure)"]`) });
    expect(hostOf(first, CONTAINERD)).toMatchObject({ status: 'failed', runtime: 'containerd', message: expect.stringMatching(/config_path .*needs a restart: run again with --restart/) });
    expect(await hostExec(CONTAINERD, `test -e ${HOSTS_TOML}`)).toMatchObject({ code: 1 }); // refused: nothing written
    const warnings = first.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === 'warning' && e.host === PODMAN);
    expect(warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/^mirror_boot_hook is not needed with podman/));

    const second = await fleet(dir, ['apply', file, '--restart', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(hostOf(second, CONTAINERD)).toMatchObject({ status: 'changed', runtime: 'containerd', message: expect.stringMatching(/containerd restarted/) });
    expect(summaryOf(second).recap).toMatchObject({ ok: 5, changed: 1, failed: 0 });

    // Each runtime pulls busybox through the cache (the lab has no other way to "Docker Hub").
    for (const host of DOCKER) expect(await activeMirrors(host)).toEqual([`${cacheMirror}/`]);
    const dockerPull = await hostExec('client-1', 'docker pull -q docker.io/library/busybox:latest');
    expect(dockerPull, dockerPull.stderr).toMatchObject({ code: 0 });
    const podmanPull = await hostExec(PODMAN, 'podman pull -q docker.io/library/busybox');
    expect(podmanPull, podmanPull.stderr).toMatchObject({ code: 0 });
    const ctrPull = await hostExec(CONTAINERD, CTR_PULL);
    expect(ctrPull, ctrPull.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(await hostSh(PODMAN, `curl -fsS ${cacheMirror}/v2/_catalog`)).repositories).toContain('library/busybox');

    const inSync = await fleet(dir, ['check', file, '--json']);
    expect(inSync.code, inSync.stdout + inSync.stderr).toBe(0);

    // A hand edit on each new runtime shows as drift, naming the file.
    await hostSh(PODMAN, `printf '# edited by hand\\n' >> ${DROP_IN}`);
    await hostSh(CONTAINERD, `rm ${HOSTS_TOML}`);
    const drift = await fleet(dir, ['check', file, '--json']);
    expect(drift.code).toBe(2);
    const report = JSON.parse(drift.stdout) as { hosts: Array<{ host: string; status: string; runtime?: string; findings: Array<{ kind: string; subject: string }> }> };
    const findingsOf = (host: string) => report.hosts.find((h) => h.host === host);
    expect(findingsOf(PODMAN)).toMatchObject({ status: 'drift', runtime: 'podman', findings: [{ kind: 'runtime-mirrors', subject: DROP_IN }] });
    expect(findingsOf(CONTAINERD)).toMatchObject({ status: 'drift', runtime: 'containerd', findings: [{ kind: 'runtime-mirrors', subject: HOSTS_TOML }] });
    expect(findingsOf('client-1')).toMatchObject({ status: 'in-sync' });

    const fixed = await fleet(dir, ['apply', file, '--json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(summaryOf(fixed).recap).toMatchObject({ changed: 2, failed: 0 });
    const configToml = await hostSh(CONTAINERD, 'cat /etc/containerd/config.toml');

    const rollback = await fleet(dir, ['rollback', file, '--json']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(hostOf(rollback, PODMAN)).toMatchObject({ status: 'changed', runtime: 'podman' });
    expect(hostOf(rollback, CONTAINERD)).toMatchObject({ status: 'changed', runtime: 'containerd', message: expect.stringMatching(/config_path stays/) });
    expect(JSON.parse(await hostSh('client-1', 'cat /etc/docker/daemon.json'))).toEqual(before.daemonJson);
    for (const host of DOCKER) expect(await activeMirrors(host)).toEqual([]);
    expect(await tree(PODMAN, '/etc/containers')).toBe(before.podman);
    expect(await tree(CONTAINERD, '/etc/containerd/certs.d')).toBe(before.certsD);
    expect(await hostSh(CONTAINERD, 'cat /etc/containerd/config.toml')).toBe(configToml);
    expect((await hostExec(PODMAN, 'podman pull -q docker.io/library/alpine')).code, 'no mirror any more').not.toBe(0);
  });

  it('with two caches: every runtime gets both mirrors in its hashed order, survives one cache going down, rolls back', async () => {
    await Promise.all([resetEveryClient(), resetHost('cache-1', 'cache-2')]);
    const lab = readLab();
    const caches = ['cache-1', 'cache-2'];
    const mirrorOf = (cache: string) => `http://${lab.hosts[cache]!.address}`;
    const { dir, file } = labInventory({ caches, runtimeClients: true });

    const apply = await fleet(dir, ['apply', file, '--restart', '--json']);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const order = (client: string) => clientMirrorOrder(client, caches.map(mirrorOf));
    for (const host of DOCKER) expect(await activeMirrors(host)).toEqual(order(host).map((m) => `${m}/`));
    const podmanInfo = JSON.parse(await hostSh(PODMAN, 'podman info --format json')) as { registries: Record<string, { Mirrors?: Array<{ Location: string }> }> };
    expect(podmanInfo.registries['docker.io']?.Mirrors?.map((m) => `http://${m.Location}`)).toEqual(order(PODMAN));
    const hostsToml = await hostSh(CONTAINERD, `cat ${HOSTS_TOML}`);
    expect([...hostsToml.matchAll(/^\[host\."([^"]+)"\]/gm)].map((m) => m[1])).toEqual(order(CONTAINERD));
    const inSync = await fleet(dir, ['check', file, '--json']);
    expect(inSync.code, inSync.stdout + inSync.stderr).toBe(0);

    // The Podman client's first cache goes down: every runtime still pulls, through the other one.
    const down = caches.find((c) => mirrorOf(c) === order(PODMAN)[0])!;
    const up = caches.find((c) => c !== down)!;
    await hostSh(down, 'docker stop through-cache >/dev/null');
    try {
      const pulls = {
        'client-1': 'docker rmi -f busybox:latest >/dev/null 2>&1; docker pull -q docker.io/library/busybox:latest',
        [PODMAN]: 'podman rmi -f docker.io/library/busybox >/dev/null 2>&1; podman pull -q docker.io/library/busybox',
        [CONTAINERD]: `ctr --address /run/containerd/containerd.sock images rm docker.io/library/busybox:latest >/dev/null 2>&1; ${CTR_PULL}`,
      };
      for (const [host, script] of Object.entries(pulls)) {
        const pulled = await hostExec(host, script);
        expect(pulled, `${host}: ${pulled.stderr}`).toMatchObject({ code: 0 });
      }
      expect(JSON.parse(await hostSh(PODMAN, `curl -fsS ${mirrorOf(up)}/v2/_catalog`)).repositories).toContain('library/busybox');
      const check = await fleet(dir, ['check', file, '--json']);
      const report = JSON.parse(check.stdout) as { hosts: Array<{ host: string; findings: Array<{ kind: string }> }> };
      expect(report.hosts.find((h) => h.host === down)?.findings.map((f) => f.kind)).toContain('container-stopped');
    } finally {
      await hostSh(down, 'docker start through-cache >/dev/null');
    }

    const rollback = await fleet(dir, ['rollback', file, '--json']);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    for (const host of DOCKER) expect(await activeMirrors(host)).toEqual([]);
    expect(await hostExec(PODMAN, `test -e ${DROP_IN}`)).toMatchObject({ code: 1 });
    expect(await hostExec(CONTAINERD, `test -e ${HOSTS_TOML}`)).toMatchObject({ code: 1 });
  });
});
