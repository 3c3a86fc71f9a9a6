// mirror_boot_hook: true on a real lab client, through apply, check and rollback. fleet installs
// the very files `fleet render boot-hook` writes, CircleCI's startup script then rewrites
// daemon.json and restarts Docker and the client keeps the mirror; check reports a hook removed or
// edited; rollback takes the hook away before the mirrors. Nothing is mocked.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIRCLECI_STARTUP } from './circleci.js';
import { fleet, labInventory, statusOf, summaryOf } from './fleet.js';
import { activeMirrors, fileState, hostExec, hostSh, readLab, resetHost } from './lab.js';

const HOST = 'client-2';
const SCRIPT = '/usr/local/sbin/fleet-docker-mirrors';
const DROP_IN = '/etc/systemd/system/docker.service.d/fleet-mirrors.conf';
const hookFiles = () => hostSh(HOST, `for f in ${SCRIPT} ${DROP_IN}; do if [ -e $f ]; then stat -c "%a %U" $f; else echo absent; fi; done`);
let dir: string;
let file: string;

interface CheckReport { hosts: Array<{ host: string; status: string; findings: Array<{ kind: string; severity: string; found: string }> }> }
async function check(): Promise<{ code: number; kinds: string[] }> {
  const r = await fleet(dir, ['check', file, '--limit', HOST, '--json']);
  const report = JSON.parse(r.stdout) as CheckReport;
  return { code: r.code, kinds: report.hosts[0]!.findings.filter((f) => f.severity !== 'warning').map((f) => f.kind) };
}

beforeAll(async () => {
  await resetHost(HOST);
  await hostSh(HOST, `rm -f ${SCRIPT}`);
  ({ dir, file } = labInventory({ vars: { mirror_boot_hook: true } }));
}, 120_000);

afterAll(async () => {
  await hostSh(HOST, `rm -f ${SCRIPT} /etc/systemctl-standin/fail-daemon-reload`);
  await resetHost(HOST);
}, 120_000);

describe('mirror_boot_hook: true', () => {
  it('a failed install puts everything back: the hook files that were absent are removed, daemon.json restored', async () => {
    const before = await fileState(HOST);
    await hostSh(HOST, 'mkdir -p /etc/systemctl-standin && touch /etc/systemctl-standin/fail-daemon-reload');
    const apply = await fleet(dir, ['apply', file, '--limit', HOST, '--json']);
    await hostSh(HOST, 'rm -f /etc/systemctl-standin/fail-daemon-reload');
    expect(apply.code).toBe(4);
    const outcome = summaryOf(apply).hosts.find((h) => h.host === HOST)!;
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toMatch(/daemon-reload.*previous .*fleet-mirrors\.conf, .*fleet-docker-mirrors, .*daemon\.json restored and applied/);
    expect(await hookFiles()).toBe('absent\nabsent\n');
    expect(await fileState(HOST)).toBe(before);
    // The reload had applied the mirror; a file without the key would not drop it on reload.
    expect(await activeMirrors(HOST)).toEqual([]);
  });

  it('apply installs the files render writes, byte for byte; CircleCI\'s startup script then keeps the mirror; check is in sync', async () => {
    const lab = readLab();
    const render = await fleet(dir, ['render', 'boot-hook', '-i', file, '--out', join(dir, 'hook')]);
    expect(render.code, render.stderr).toBe(0);
    const apply = await fleet(dir, ['apply', file, '--limit', HOST, '--json']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(summaryOf(apply).hosts[0]).toMatchObject({ host: HOST, status: 'changed', message: expect.stringContaining('boot hook installed') });
    for (const path of [SCRIPT, DROP_IN]) expect(await hostSh(HOST, `cat ${path}`), path).toBe(readFileSync(join(dir, 'hook', path), 'utf8'));
    expect(await hookFiles()).toBe('755 root\n644 root\n');
    expect(await hostSh(HOST, 'systemctl show -p DropInPaths --value docker')).toContain(DROP_IN);

    const startup = await hostExec(HOST, CIRCLECI_STARTUP);
    expect(startup.code, startup.stderr).toBe(0);
    expect(JSON.parse(await hostSh(HOST, 'cat /etc/docker/daemon.json'))).toEqual({ 'userns-remap': 'default', 'default-address-pools': [{ base: '10.250.0.0/16', size: 24 }], 'registry-mirrors': [lab.mirrorUrl] });
    expect(await activeMirrors(HOST)).toEqual([`${lab.mirrorUrl}/`]);
    expect(await check()).toEqual({ code: 0, kinds: [] });
    const again = await fleet(dir, ['apply', file, '--limit', HOST, '--json']);
    expect(statusOf(again, HOST)).toBe('ok');
  });

  it('check reports a hook edited or removed as drift, and apply brings it back', async () => {
    await hostSh(HOST, `echo '# edited' >> ${SCRIPT}`);
    expect(await check()).toEqual({ code: 2, kinds: ['boot-hook-stale'] });
    await hostSh(HOST, `rm ${DROP_IN}`);
    expect(await check()).toEqual({ code: 2, kinds: ['boot-hook-missing'] });
    const apply = await fleet(dir, ['apply', file, '--limit', HOST, '--json']);
    expect(statusOf(apply, HOST), apply.stdout).toBe('changed');
    expect(await check()).toEqual({ code: 0, kinds: [] });
  });

  it('rollback removes the hook, then the mirrors; the next docker start does not bring them back', async () => {
    const rollback = await fleet(dir, ['rollback', file, '--limit', HOST, '--json']);
    expect(rollback.code, rollback.stdout).toBe(0);
    const steps = rollback.stdout.split('\n').filter((l) => l.includes('"host-step"')).map((l) => JSON.parse(l).step as string);
    const hookGone = steps.findIndex((s) => s.startsWith(`remove ${SCRIPT}`));
    const mirrorsGone = steps.findIndex((s) => s.startsWith('write /etc/docker/daemon.json'));
    expect(hookGone).toBeGreaterThanOrEqual(0);
    expect(hookGone).toBeLessThan(mirrorsGone);
    expect(await hookFiles()).toBe('absent\nabsent\n');
    expect(await activeMirrors(HOST)).toEqual([]);
    await hostSh(HOST, 'systemctl restart docker');
    expect(JSON.parse(await hostSh(HOST, 'cat /etc/docker/daemon.json'))).toEqual({ 'userns-remap': 'default', 'default-address-pools': [{ base: '10.250.0.0/16', size: 24 }] });
    expect(await activeMirrors(HOST)).toEqual([]);
  });
});
