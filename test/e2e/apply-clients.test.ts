// fleet apply on real Docker clients (sshd + dockerd in network namespaces), against the lab's
// ready-made mirror. Nothing here is mocked.
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { fleet, labInventory, statusOf, summaryOf } from './fleet.js';
import { activeMirrors, fileState, hostExec, hostSh, readLab, resetClients } from './lab.js';

const CLIENTS = ['client-1', 'client-2', 'client-3'];

const mirrorsOf = activeMirrors;

beforeEach(async () => {
  await resetClients();
}, 60_000);

describe('fleet apply on clients', () => {
  it('merges the mirror into daemon.json, keeps other keys, reloads, and a second run changes nothing', async () => {
    const lab = readLab();
    const before1 = JSON.parse(await hostSh('client-1', 'cat /etc/docker/daemon.json'));
    const { dir, file } = labInventory();

    const first = await fleet(dir, ['apply', file, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(summaryOf(first).recap).toMatchObject({ changed: 3, failed: 0, unreachable: 0 });
    for (const host of CLIENTS) expect(await mirrorsOf(host)).toEqual([`${lab.mirrorUrl}/`]);
    // other keys kept, tab indentation of client-3 kept, missing file on client-2 created
    expect(JSON.parse(await hostSh('client-1', 'cat /etc/docker/daemon.json'))).toEqual({ ...before1, 'registry-mirrors': [lab.mirrorUrl] });
    expect(await hostSh('client-3', 'cat /etc/docker/daemon.json')).toContain('\t"debug": false,');
    expect(JSON.parse(await hostSh('client-2', 'cat /etc/docker/daemon.json'))).toEqual({ 'registry-mirrors': [lab.mirrorUrl] });
    // the previous content is backed up on the host
    expect(await hostSh('client-1', 'cat /etc/docker/daemon.json.fleet-backup-*')).toContain('"log-driver"');

    const states = await Promise.all(CLIENTS.map(fileState));
    const reloads = await hostSh('client-1', 'grep -c reload /var/log/systemctl-standin.log || true');
    const second = await fleet(dir, ['apply', file, '--json']);
    expect(second.code).toBe(0);
    expect(summaryOf(second).recap).toMatchObject({ ok: 3, changed: 0 });
    expect(await Promise.all(CLIENTS.map(fileState))).toEqual(states);
    expect(await hostSh('client-1', 'grep -c reload /var/log/systemctl-standin.log || true')).toBe(reloads);
  });

  it('pulls through the mirror once applied', async () => {
    const { dir, file } = labInventory();
    expect((await fleet(dir, ['apply', file])).code).toBe(0);
    await hostSh('client-2', 'docker rmi -f busybox:latest >/dev/null 2>&1 || true');
    const pull = await hostExec('client-2', 'docker pull busybox');
    expect(pull.code, pull.stderr).toBe(0);
  });

  it('keeps a running container running (reload, not restart)', async () => {
    const id = (await hostSh('client-1', 'docker run -d busybox sleep 600')).trim();
    const started = await hostSh('client-1', `docker inspect -f '{{.State.StartedAt}}' ${id}`);
    const { dir, file } = labInventory();
    expect((await fleet(dir, ['apply', file])).code).toBe(0);
    expect((await hostSh('client-1', `docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' ${id}`)).trim()).toBe(`true ${started.trim()}`);
  });

  it('leaves an invalid daemon.json byte-identical, fails that host, and does the others', async () => {
    const broken = '{"log-driver": "json-file",, oops\n';
    await hostSh('client-1', 'cat > /etc/docker/daemon.json', broken);
    const { dir, file } = labInventory();
    const result = await fleet(dir, ['apply', file, '--json']);
    expect(result.code).toBe(4);
    expect(statusOf(result, 'client-1')).toBe('failed');
    expect(summaryOf(result).hosts.find((h) => h.host === 'client-1')!.message).toMatch(/not valid JSON/);
    expect(await hostSh('client-1', 'cat /etc/docker/daemon.json')).toBe(broken);
    expect(await hostSh('client-1', 'ls -a /etc/docker')).not.toMatch(/fleet/);
    expect(statusOf(result, 'client-2')).toBe('changed');
    expect(statusOf(result, 'client-3')).toBe('changed');
  });

  it('reports an unreachable host and still does the others', async () => {
    const { dir, file } = labInventory({ hostVars: { 'client-3': { ansible_port: 2299 } } });
    const result = await fleet(dir, ['apply', file, '--json']);
    expect(result.code).toBe(4);
    expect(statusOf(result, 'client-3')).toBe('unreachable');
    expect(summaryOf(result).hosts.find((h) => h.host === 'client-3')!.message).toMatch(/refused/);
    expect(statusOf(result, 'client-1')).toBe('changed');
  });

  it('refuses a host whose key changed, and an unknown key unless told to accept it', async () => {
    const lab = readLab();
    const { dir, file } = labInventory();
    const known = readFileSync(lab.knownHosts, 'utf8');
    const fakeKey = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
    const tampered = `${dir}/known_hosts_changed`;
    writeFileSync(tampered, known.split('\n').map((l) => (l.startsWith(`${lab.hosts['client-2']!.address} `) ? `${lab.hosts['client-2']!.address} ssh-ed25519 ${fakeKey}` : l)).join('\n'));
    const changed = await fleet(dir, ['apply', file, '--json', '--known-hosts', tampered, '--accept-new-host-keys']);
    expect(changed.code).toBe(4);
    expect(statusOf(changed, 'client-2')).toBe('unreachable');
    expect(summaryOf(changed).hosts.find((h) => h.host === 'client-2')!.message).toMatch(/changed/i);
    expect(await hostExec('client-2', 'test -e /etc/docker/daemon.json')).toMatchObject({ code: 1 });

    const empty = `${dir}/known_hosts_empty`;
    writeFileSync(empty, '');
    const unknown = await fleet(dir, ['apply', file, '--json', '--known-hosts', empty]);
    expect(summaryOf(unknown).recap).toMatchObject({ unreachable: 3 });
    const accepted = await fleet(dir, ['apply', file, '--json', '--known-hosts', empty, '--accept-new-host-keys']);
    expect(accepted.code).toBe(0);
    expect(readFileSync(empty, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('--check reports the changes and touches nothing', async () => {
    const states = await Promise.all(CLIENTS.map(fileState));
    const { dir, file } = labInventory();
    const result = await fleet(dir, ['apply', file, '--check', '--diff']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\+\s+"registry-mirrors": \[/);
    expect(result.stdout).toMatch(/would change/);
    expect(await Promise.all(CLIENTS.map(fileState))).toEqual(states);
    for (const host of CLIENTS) expect(await mirrorsOf(host)).toEqual([]);
  });

  it('refuses a host whose mirror does not answer, changing nothing', async () => {
    const { dir, file } = labInventory({ vars: { mirror_url: 'http://10.77.0.99' } });
    const result = await fleet(dir, ['apply', file, '--json']);
    expect(result.code).toBe(4);
    expect(summaryOf(result).recap).toMatchObject({ failed: 3 });
    expect(summaryOf(result).hosts[0]!.message).toMatch(/does not answer GET \/v2\//);
    expect(await hostExec('client-2', 'test -e /etc/docker/daemon.json')).toMatchObject({ code: 1 });
  });

  it('works as a sudo user with ansible_become', async () => {
    const lab = readLab();
    const { dir, file } = labInventory({ vars: { ansible_user: lab.sudoUser, ansible_become: true } });
    const result = await fleet(dir, ['apply', file, '--json', '--limit', 'client-1']);
    expect(result.code, result.stdout).toBe(0);
    expect(await mirrorsOf('client-1')).toEqual([`${lab.mirrorUrl}/`]);
    expect(await hostSh('client-1', 'stat -c %U /etc/docker/daemon.json')).toBe('root\n');
  });

  it('reaches hosts through a jump host (bastion) when direct SSH is blocked', async () => {
    const lab = readLab();
    // client-1 drops SSH from the control node (the bridge address); only the bastion gets through
    await hostSh('client-1', 'iptables -I INPUT -p tcp --dport 22 -s 10.77.0.1 -j DROP');
    try {
      const direct = labInventory();
      const blocked = await fleet(direct.dir, ['apply', direct.file, '--json', '--limit', 'client-1', '--connect-timeout', '2']);
      expect(statusOf(blocked, 'client-1')).toBe('unreachable');
      const { dir, file } = labInventory({ vars: { fleet_jump_host: `root@${lab.hosts.outsider!.address}` } });
      const viaJump = await fleet(dir, ['apply', file, '--json']);
      expect(viaJump.code, viaJump.stdout).toBe(0);
      expect(summaryOf(viaJump).recap).toMatchObject({ changed: 3 });
      expect(await mirrorsOf('client-1')).toEqual([`${lab.mirrorUrl}/`]);
    } finally {
      await hostSh('client-1', 'iptables -D INPUT -p tcp --dport 22 -s 10.77.0.1 -j DROP');
    }
  });

  it('exits 1 on a bad inventory before contacting any host, naming file, line and field', async () => {
    const { dir, file } = labInventory({ hostVars: { 'client-2': { ansible_port: 'twenty-two' } } });
    const result = await fleet(dir, ['apply', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`${file}:\\d+:\\d+: all\\.children\\.clients\\.hosts\\.client-2\\.ansible_port`));
    expect(await hostExec('client-1', 'grep -c registry-mirrors /etc/docker/daemon.json')).toMatchObject({ code: 1 });
  });

  it('edits the target of a symlinked daemon.json and keeps the link, on apply and on rollback', async () => {
    const lab = readLab();
    const link = '/etc/docker/daemon.json';
    const target = '/etc/docker/real/daemon.json';
    await hostSh('client-1', `mkdir -p /etc/docker/real && mv ${link} ${target} && ln -s ${target} ${link}`);
    const original = await hostSh('client-1', `cat ${target}`);
    try {
      const { dir, file } = labInventory();
      const applied = await fleet(dir, ['apply', file, '--json', '--limit', 'client-1']);
      expect(applied.code, applied.stdout).toBe(0);
      expect((await hostSh('client-1', `readlink ${link}`)).trim()).toBe(target);
      expect(JSON.parse(await hostSh('client-1', `cat ${target}`))).toEqual({ ...JSON.parse(original), 'registry-mirrors': [lab.mirrorUrl] });
      expect(await mirrorsOf('client-1')).toEqual([`${lab.mirrorUrl}/`]);
      expect(await hostSh('client-1', 'cat /etc/docker/real/daemon.json.fleet-backup-*')).toBe(original);

      const rolledBack = await fleet(dir, ['rollback', file, '--json', '--limit', 'client-1']);
      expect(rolledBack.code, rolledBack.stdout).toBe(0);
      expect((await hostSh('client-1', `readlink ${link}`)).trim()).toBe(target);
      expect(JSON.parse(await hostSh('client-1', `cat ${target}`))).toEqual(JSON.parse(original));
      expect(await mirrorsOf('client-1')).toEqual([]);
    } finally {
      await hostSh('client-1', 'rm -rf /etc/docker/real');
    }
  });

  it('shows control characters from a host as text, never as terminal escapes', async () => {
    // An invalid daemon.json whose parse error quotes the file: an OSC 52 (clipboard write) and a screen clear.
    await hostSh('client-1', 'cat > /etc/docker/daemon.json', '{"a": tru\x1b]52;c;aGk=\x07\x1b[2J}');
    const { dir, file } = labInventory();
    const result = await fleet(dir, ['apply', file, '--limit', 'client-1']);
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/client-1 +: failed +.*not valid JSON/);
    expect(result.stdout).toContain('tru\\x1b]52;c;aGk'); // node quotes the start of the file
    expect(result.stdout + result.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });
});
