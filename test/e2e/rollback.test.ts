// fleet rollback on real hosts: daemon.json and the running daemon back to their pre-apply state.
import { beforeEach, describe, expect, it } from 'vitest';
import { fleet, labInventory, statusOf, summaryOf } from './fleet.js';
import { activeMirrors, fileState, hostExec, hostSh, readLab, resetClients, resetHost } from './lab.js';

const CLIENTS = ['client-1', 'client-2', 'client-3'];

const mirrorsOf = activeMirrors;

async function daemonJson(host: string): Promise<unknown> {
  const r = await hostExec(host, 'cat /etc/docker/daemon.json');
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
}

beforeEach(async () => {
  await resetClients();
}, 60_000);

describe('fleet rollback', () => {
  it('restores daemon.json and the running mirrors, keeps later edits and running containers; a second run is a no-op', async () => {
    const lab = readLab();
    // client-3's operator had a mirror of their own before fleet came
    await hostSh('client-3', `printf '{\\n\\t"debug": false,\\n\\t"registry-mirrors": ["${lab.hubUrl}"]\\n}\\n' > /etc/docker/daemon.json && systemctl reload docker`);
    const before = Object.fromEntries(await Promise.all(CLIENTS.map(async (h) => [h, { file: await daemonJson(h), mirrors: await mirrorsOf(h) }])));
    expect(before['client-3']!.mirrors).toEqual([`${lab.hubUrl}/`]);

    const { dir, file } = labInventory();
    expect((await fleet(dir, ['apply', file])).code).toBe(0);
    const id = (await hostSh('client-1', 'docker run -d busybox sleep 600')).trim();
    // someone changes another key between apply and rollback
    await hostSh('client-2', `sed -i 's/^{/{"debug": true,/' /etc/docker/daemon.json`);

    const result = await fleet(dir, ['rollback', '--json']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toMatch(/rolling back apply/);
    expect(summaryOf(result).recap).toMatchObject({ changed: 3 });
    expect(await daemonJson('client-1')).toEqual(before['client-1']!.file);
    expect(await daemonJson('client-2')).toEqual({ debug: true });
    expect(await daemonJson('client-3')).toEqual(before['client-3']!.file);
    for (const host of CLIENTS) expect(await mirrorsOf(host)).toEqual(before[host]!.mirrors);
    expect((await hostSh('client-1', `docker inspect -f '{{.State.Running}}' ${id}`)).trim()).toBe('true');

    const again = await fleet(dir, ['rollback', file, '--json']);
    expect(summaryOf(again).recap).toMatchObject({ ok: 3, changed: 0 });
  });

  it('without a journal removes registry-mirrors and clears the running mirrors', async () => {
    const { dir, file } = labInventory();
    expect((await fleet(dir, ['apply', file])).code).toBe(0);
    const elsewhere = labInventory(); // another operator's machine: no .fleet/ there
    const result = await fleet(elsewhere.dir, ['rollback', elsewhere.file, '--json']);
    expect(result.code).toBe(0);
    for (const host of CLIENTS) {
      expect(await daemonJson(host)).not.toHaveProperty('registry-mirrors');
      expect(await mirrorsOf(host)).toEqual([]);
    }
  });

  it('leaves an invalid daemon.json byte-identical and rolls back the others', async () => {
    const { dir, file } = labInventory();
    expect((await fleet(dir, ['apply', file])).code).toBe(0);
    await hostSh('client-2', 'printf "{ broken" > /etc/docker/daemon.json');
    const result = await fleet(dir, ['rollback', file, '--json']);
    expect(result.code).toBe(4);
    expect(summaryOf(result).hosts.find((h) => h.host === 'client-2')!.status).toBe('failed');
    expect(await hostSh('client-2', 'cat /etc/docker/daemon.json')).toBe('{ broken');
    expect(await mirrorsOf('client-1')).toEqual([]);
  });

  it('--cache removes container, rules, unit and secrets, keeping the data; a second run is a no-op', async () => {
    await resetHost('cache-1');
    const lab = readLab();
    const { dir, file } = labInventory({ withCache: true });
    expect((await fleet(dir, ['apply', file])).code).toBe(0);
    const result = await fleet(dir, ['rollback', file, '--cache', '--json']);
    expect(result.code, result.stdout).toBe(0);
    expect(await hostSh('cache-1', 'docker ps -aq --filter name=through-cache')).toBe('');
    expect(await hostSh('cache-1', 'iptables -S DOCKER-USER')).not.toMatch(/fleet/);
    expect((await hostExec('cache-1', 'iptables -S FLEET-MIRROR')).code).not.toBe(0);
    expect(await hostSh('cache-1', 'ls -d /etc/systemd/system/docker.service.d/fleet-mirror-firewall.conf /usr/local/sbin/fleet-mirror-firewall /etc/fleet/through-cache.yml 2>/dev/null || true')).toBe('');
    expect((await hostExec('cache-1', 'test -d /var/lib/fleet/registry')).code).toBe(0);
    for (const host of CLIENTS) expect(await mirrorsOf(host)).toEqual([]);
    const again = await fleet(dir, ['rollback', file, '--cache', '--json']);
    expect(summaryOf(again).recap).toMatchObject({ ok: 4, changed: 0 });
  });

  it('lands on a host whose dockerd re-reads its configuration late: each reload is waited for before the next step', async () => {
    // systemctl reload returns at once and dockerd gets SIGHUP 2 s later (a loaded host).
    for (const host of CLIENTS) await hostSh(host, 'mkdir -p /etc/systemctl-standin && echo 2 > /etc/systemctl-standin/reload-delay');
    const { dir, file } = labInventory();
    const applied = await fleet(dir, ['apply', file, '--json']);
    expect(applied.code, applied.stdout).toBe(0);
    const result = await fleet(dir, ['rollback', file, '--json']);
    expect(result.code, result.stdout).toBe(0);
    expect(summaryOf(result).recap).toMatchObject({ changed: 3, failed: 0 });
    for (const host of CLIENTS) {
      expect(await daemonJson(host)).not.toHaveProperty('registry-mirrors');
      expect(await mirrorsOf(host)).toEqual([]);
    }
  });

  it('rolls back the daemon.json the journal recorded when the inventory now names another, and says so', async () => {
    const { dir, file } = labInventory();
    expect((await fleet(dir, ['apply', file])).code).toBe(0);
    const moved = labInventory({ vars: { docker_daemon_json: '/etc/docker/elsewhere.json' } });
    const result = await fleet(dir, ['rollback', moved.file, '--json']);
    expect(result.code, result.stdout).toBe(0);
    const warnings = result.stdout.split('\n').filter((l) => l.includes('"type":"warning"'));
    expect(warnings.filter((l) => l.includes('/etc/docker/elsewhere.json') && l.includes('/etc/docker/daemon.json'))).toHaveLength(3);
    for (const host of CLIENTS) {
      expect(await daemonJson(host)).not.toHaveProperty('registry-mirrors');
      expect(await mirrorsOf(host)).toEqual([]);
      expect((await hostExec(host, 'test -e /etc/docker/elsewhere.json')).code).toBe(1);
    }
  });

  it('--cache keeps the cache while a client failed or was unreachable, with or without --serial, and says why', async () => {
    await resetHost('cache-1');
    const { dir, file } = labInventory({ withCache: true });
    expect((await fleet(dir, ['apply', file])).code).toBe(0);
    const running = "docker inspect -f '{{.State.Running}}' through-cache";

    await hostSh('client-2', 'printf "{ broken" > /etc/docker/daemon.json');
    const failed = await fleet(dir, ['rollback', file, '--cache', '--json']);
    expect(failed.code).toBe(4);
    expect(statusOf(failed, 'client-2')).toBe('failed');
    expect(statusOf(failed, 'client-1')).toBe('changed');
    expect(statusOf(failed, 'cache-1')).toBe('skipped');
    const kept = summaryOf(failed).hosts.find((h) => h.host === 'cache-1')!.message;
    expect(kept).toMatch(/client-2/);
    expect(summaryOf(failed).problems).toEqual([expect.stringMatching(/cache kept.*client-2/)]);
    expect((await hostSh('cache-1', running)).trim()).toBe('true');

    // client-2 unreachable now; batches of one that never stop (--max-fail-percent 100)
    const gone = labInventory({ withCache: true, hostVars: { 'client-2': { ansible_port: 2299 } } });
    const before = await fileState('client-3');
    const serial = await fleet(dir, ['rollback', gone.file, '--cache', '--serial', '1', '--max-fail-percent', '100', '--json']);
    expect(serial.code).toBe(4);
    expect(statusOf(serial, 'client-2')).toBe('unreachable');
    expect(statusOf(serial, 'client-3')).toBe('ok');
    expect(await fileState('client-3')).toBe(before);
    expect(statusOf(serial, 'cache-1')).toBe('skipped');
    expect(summaryOf(serial).problems).toEqual([expect.stringMatching(/cache kept.*client-2/)]);
    expect((await hostSh('cache-1', running)).trim()).toBe('true');
  });
});
