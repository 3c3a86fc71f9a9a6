// The boot hook on a real lab client: rendered by `fleet render boot-hook`, installed the way the
// render command says, then CircleCI's Nomad client startup sequence rewrites daemon.json and
// restarts Docker. The hook runs before that start (the lab's systemctl stand-in runs
// docker.service drop-ins' ExecStartPre= lines, see test/lab/README.md), so the client pulls its
// very first image through the mirror. Nothing is mocked: real dockerd, real python3, real pull.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleet, labInventory } from './fleet.js';
import { CIRCLECI_STARTUP } from './circleci.js';
import { activeMirrors, fileState, hostExec, hostSh, readLab, rebootHost, repoDir, resetHost, run } from './lab.js';

const HOST = 'client-1';
const HOOK_LOG = '/var/log/fleet-mirrors.conf.log'; // where the stand-in puts ExecStartPre output (systemd: the journal)
const STAGING = '/tmp/fleet-hook'; // where an image build would have uploaded the rendered directory

let dir: string;
let file: string;

/** `fleet render boot-hook --out`, copied onto the host and installed with the lines it printed. */
async function installHook(): Promise<string[]> {
  const out = `${dir}/hook`;
  // render contacts no host, so it takes no --known-hosts: run the CLI directly
  const render = await run('env', ['-C', dir, process.execPath, join(repoDir, 'bin', 'fleet.js'), 'render', 'boot-hook', '-i', file, '--out', out]);
  expect(render.code, render.stderr).toBe(0);
  const installLines = render.stdout.split('\n').filter((l) => l.startsWith('  install -D ')).map((l) => l.trim().replaceAll(out, STAGING));
  expect(installLines).toHaveLength(2);
  const tar = spawnSync('tar', ['-C', out, '-cf', '-', '.']);
  await hostSh(HOST, `rm -rf ${STAGING} && mkdir -p ${STAGING} && base64 -d | tar -C ${STAGING} -xf -`, tar.stdout.toString('base64'));
  await hostSh(HOST, [...installLines, 'systemctl daemon-reload'].join(' && '));
  return installLines;
}

beforeAll(async () => {
  await resetHost(HOST);
  ({ dir, file } = labInventory());
  await installHook();
}, 120_000);

afterAll(async () => {
  await hostSh(HOST, `rm -rf /usr/local/sbin/fleet-docker-mirrors ${STAGING} ${HOOK_LOG}`);
  await resetHost(HOST); // removes the drop-in, restarts docker with the default daemon.json
}, 120_000);

describe('the boot hook on a client built from an image', () => {
  it('is installed where systemd looks, owned by root, with the modes fleet rendered', async () => {
    expect(await hostSh(HOST, 'stat -c "%a %U %n" /usr/local/sbin/fleet-docker-mirrors /etc/systemd/system/docker.service.d/fleet-mirrors.conf')).toBe(
      '755 root /usr/local/sbin/fleet-docker-mirrors\n644 root /etc/systemd/system/docker.service.d/fleet-mirrors.conf\n',
    );
  });

  it("survives CircleCI's startup script: the first pull goes through the mirror, and fleet check finds the client in sync", async () => {
    const lab = readLab();
    const run = await hostExec(HOST, CIRCLECI_STARTUP);
    expect(run.code, run.stderr).toBe(0);

    // daemon.json: CircleCI's keys, in CircleCI's order, and the mirror after them
    const daemonJson = JSON.parse(await hostSh(HOST, 'cat /etc/docker/daemon.json'));
    expect(Object.keys(daemonJson)).toEqual(['userns-remap', 'default-address-pools', 'registry-mirrors']);
    expect(daemonJson).toEqual({ 'userns-remap': 'default', 'default-address-pools': [{ base: '10.250.0.0/16', size: 24 }], 'registry-mirrors': [lab.mirrorUrl] });
    expect(await hostSh(HOST, `cat ${HOOK_LOG}`)).toContain('registry-mirrors set to');

    // the running daemon: the mirror, and CircleCI's user namespace remapping in effect
    expect(await activeMirrors(HOST)).toEqual([`${lab.mirrorUrl}/`]);
    expect(await hostSh(HOST, "docker info --format '{{.SecurityOptions}}'")).toContain('name=userns');

    // a real first pull (the remapped daemon has an empty image store): the lab's hosts cannot
    // reach any registry but the mirror, so a pull that succeeds came through it
    const pull = await hostExec(HOST, 'docker pull busybox');
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toContain('Downloaded newer image for busybox:latest');
    expect(JSON.parse(await hostSh(HOST, `curl -fsS ${lab.mirrorUrl}/v2/_catalog`)).repositories).toContain('library/busybox');

    const check = await fleet(dir, ['check', file, '--limit', HOST, '--json']);
    expect(check.code, check.stdout).toBe(0);
    expect(JSON.parse(check.stdout).hosts).toEqual([expect.objectContaining({ host: HOST, status: 'in-sync' })]);
  });

  it('changes nothing at a reboot when the mirrors are there, and puts them back when they are gone', async () => {
    const lab = readLab();
    const before = await fileState(HOST);
    expect((await rebootHost(HOST)).code).toBe(0);
    expect(await fileState(HOST)).toBe(before);
    expect(await hostSh(HOST, `tail -n 1 ${HOOK_LOG}`)).toMatch(/registry-mirrors is already .*nothing to do/);

    // someone rewrites daemon.json without the mirror: the next boot brings it back
    await hostSh(HOST, `printf '{"userns-remap": "default"}\\n' > /etc/docker/daemon.json`);
    expect((await rebootHost(HOST)).code).toBe(0);
    expect(JSON.parse(await hostSh(HOST, 'cat /etc/docker/daemon.json'))).toEqual({ 'userns-remap': 'default', 'registry-mirrors': [lab.mirrorUrl] });
    expect(await activeMirrors(HOST)).toEqual([`${lab.mirrorUrl}/`]);
  });

  it('leaves an invalid daemon.json byte-identical, and Docker fails exactly as it would without the hook', async () => {
    const broken = '{ "userns-remap": "default", "default-address-pools": [ { "base":"" , "size":24 } ] \n';
    const restartWith = async () => {
      await hostSh(HOST, 'cat > /etc/docker/daemon.json', broken);
      const state = await fileState(HOST);
      const restart = await hostExec(HOST, 'systemctl restart docker');
      const active = await hostExec(HOST, 'systemctl is-active docker');
      return { restart: restart.code, active: active.stdout.trim(), unchanged: (await fileState(HOST)) === state, content: await hostSh(HOST, 'cat /etc/docker/daemon.json') };
    };
    const withHook = await restartWith();
    expect(withHook).toEqual({ restart: 1, active: 'inactive', unchanged: true, content: broken });
    expect(await hostSh(HOST, `tail -n 1 ${HOOK_LOG}`)).toMatch(/cannot merge registry-mirrors into \/etc\/docker\/daemon.json: it is not valid JSON .*the file is left as it was/);

    // the same start without the hook (drop-in gone, systemd reloaded): the same outcome
    await hostSh(HOST, 'mv /etc/systemd/system/docker.service.d/fleet-mirrors.conf /tmp/ && systemctl daemon-reload');
    try {
      expect(await restartWith()).toEqual(withHook);
    } finally {
      await hostSh(HOST, 'mv /tmp/fleet-mirrors.conf /etc/systemd/system/docker.service.d/ && systemctl daemon-reload');
    }

    // fixed by hand, Docker starts, with the mirror put back by the hook
    await hostSh(HOST, `printf '{"userns-remap": "default"}\\n' > /etc/docker/daemon.json && systemctl start docker`);
    expect(await activeMirrors(HOST)).toEqual([`${readLab().mirrorUrl}/`]);
  });
});
