// Proves the lab is a real fleet before any fleet test relies on it: real sshd and dockerd per
// host, isolated hosts, a working "Docker Hub" and pull-through mirror, and a reset that works.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupHosts, hostExec, hostSh, readLab, resetClients, run } from './lab.js';

const lab = readLab();
const dockerHosts = Object.keys(lab.hosts).filter((h) => lab.hosts[h]!.docker);
const sshHosts = Object.keys(lab.hosts).filter((h) => lab.hosts[h]!.sshd);
const defaults = new URL('../lab/defaults/', import.meta.url);

function ssh(user: string, address: string, command: string) {
  return run('ssh', [
    '-F', '/dev/null', '-i', lab.keyFile,
    '-o', `UserKnownHostsFile=${lab.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
    `${user}@${address}`, command,
  ]);
}

async function mirrors(host: string): Promise<string[]> {
  const out = await hostSh(host, `docker info --format '{{json .RegistryConfig.Mirrors}}'`);
  return (JSON.parse(out) as string[] | null) ?? []; // newer clients print null for none
}

afterAll(resetClients);

// Other e2e files leave hosts configured; these checks are about the lab as reset leaves it.
beforeAll(async () => {
  await resetClients();
}, 60_000);

describe('lab', () => {
  it('runs a dockerd of its own on every docker host, with no mirror', async () => {
    expect(dockerHosts).toEqual(expect.arrayContaining(['cache-1', 'client-1', 'client-2', 'client-3']));
    for (const host of dockerHosts) {
      expect(await mirrors(host)).toEqual([]);
      // Own PID namespace: exactly one dockerd visible, and it is this host's.
      expect((await hostSh(host, 'pgrep -x dockerd | wc -l')).trim()).toBe('1');
      expect(await hostSh(host, 'docker image ls --format "{{.Repository}}:{{.Tag}}"')).toContain('busybox:latest');
    }
    expect(await hostSh('cache-1', 'docker image ls --format "{{.Repository}}:{{.Tag}}"')).toContain('registry:2');
  });

  it('accepts the lab key over SSH, for root and for a sudo user', async () => {
    for (const host of sshHosts) {
      const { address } = lab.hosts[host]!;
      const root = await ssh('root', address, 'hostname');
      expect(root, root.stderr).toMatchObject({ code: 0, stdout: `${host}\n` });
      const become = await ssh(lab.sudoUser, address, 'id -un && sudo -n true && sudo -n id -un');
      expect(become, become.stderr).toMatchObject({ code: 0, stdout: `${lab.sudoUser}\nroot\n` });
    }
  });

  it('isolates hosts: own /etc, own hostname, no default route, no resolver', async () => {
    await hostSh('client-1', 'echo lab-test > /etc/lab-isolation-test');
    expect((await hostExec('client-2', 'cat /etc/lab-isolation-test')).code).not.toBe(0);
    await hostSh('client-1', 'rm /etc/lab-isolation-test');
    expect(await hostSh('client-3', 'hostname')).toBe('client-3\n');
    expect(await hostSh('client-3', 'ip route show default')).toBe('');
    expect(await hostSh('client-3', 'cat /etc/resolv.conf')).toBe('');
    expect(await hostSh('client-2', 'test ! -e /etc/docker/daemon.json && echo none')).toBe('none\n');
  });

  it('serves busybox from the hub and has a mirror that answers', async () => {
    const hub = await fetch(`${lab.hubUrl}/v2/_catalog`);
    expect(await hub.json()).toEqual({ repositories: ['library/busybox'] });
    const mirror = await fetch(`${lab.mirrorUrl}/v2/`);
    expect(mirror.status).toBe(200);
  });

  it('pulls through the mirror once a client is configured by hand, and resets', async () => {
    const host = 'client-1';
    await hostSh(host, `
      jq '."registry-mirrors" = ["${lab.mirrorUrl}"]' /etc/docker/daemon.json > /etc/docker/daemon.json.new
      mv /etc/docker/daemon.json.new /etc/docker/daemon.json
      cp /etc/docker/daemon.json /etc/docker/daemon.json.bak
      systemctl reload docker`);
    expect(await mirrors(host)).toEqual([`${lab.mirrorUrl}/`]);
    // The image imported by the lab is not the hub's: remove it so the pull really downloads.
    await hostSh(host, 'docker rmi -f busybox:latest && docker pull busybox && docker run --rm busybox true');
    const catalog = await fetch(`${lab.mirrorUrl}/v2/_catalog`);
    expect(await catalog.json()).toEqual({ repositories: ['library/busybox'] });

    await resetClients();
    expect(await mirrors(host)).toEqual([]);
    expect(await hostSh(host, 'cat /etc/docker/daemon.json')).toBe(
      readFileSync(new URL(`${host}.json`, defaults), 'utf8'),
    );
    expect(await hostSh(host, 'ls /etc/docker')).not.toContain('daemon.json.bak');
    expect(groupHosts('clients')).toEqual(['client-1', 'client-2', 'client-3']);
  });

  it('has a systemctl stand-in for docker and oneshot units', async () => {
    const host = 'client-2';
    expect(await hostExec(host, 'systemctl is-active docker')).toMatchObject({ code: 0, stdout: 'active\n' });
    expect((await hostExec(host, 'systemctl start no-such-unit')).code).toBe(5);
    expect(await hostExec('outsider', 'systemctl is-active docker')).toMatchObject({ code: 3, stdout: 'inactive\n' });
    await hostSh(host, `cat > /etc/systemd/system/lab-test.service <<'EOF'
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo started > /tmp/lab-test'
ExecStop=/bin/rm -f /tmp/lab-test
EOF
systemctl daemon-reload && systemctl enable --now lab-test`);
    expect(await hostSh(host, 'cat /tmp/lab-test; systemctl is-active lab-test')).toBe('started\nactive\n');
    await hostSh(host, 'systemctl stop lab-test && rm /etc/systemd/system/lab-test.service');
    expect((await hostExec(host, 'test -e /tmp/lab-test')).code).toBe(1);
    // A restart run over SSH must return: dockerd may not keep the session's pipes open.
    const restart = await ssh('root', lab.hosts[host]!.address, 'systemctl restart docker && docker info -f "{{.ServerVersion}}"');
    expect(restart, restart.stderr).toMatchObject({ code: 0 });
  });
});
