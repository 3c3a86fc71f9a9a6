import { describe, expect, it } from 'vitest';
import type { ContainerdFacts } from '../../facts/containerd.js';
import { mirrorAddress } from '../../core/mirror-url.js';
import { fleetHostsMirrors, hostsTomlMirrors, HOSTS_TOML_PATH, renderHostsToml } from './hosts-toml.js';
import { planContainerd, planContainerdRollback, verifyContainerd } from './plan.js';

const MIRRORS = ['http://10.77.1.2', 'http://10.77.1.1/', 'https://mirror.gcr.io'];
const HOSTS = renderHostsToml(MIRRORS.map(mirrorAddress));
const WITH_PATH = 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n';
const WITHOUT_PATH = '# my settings\nversion = 2\nroot = "/var/lib/containerd"\n';

function facts(over: Partial<ContainerdFacts> = {}): ContainerdFacts {
  return {
    installed: true, version: '1.6.20~ds1', pid: 40, hasSystemctl: true, unitState: 'active',
    configToml: { exists: true, text: WITH_PATH, mode: 0o644, uid: 0, gid: 0 },
    hostsToml: { exists: false },
    ...over,
  };
}

const spec = { mirrors: MIRRORS, restart: false, backupSuffix: 'run1' };

describe('hosts.toml', () => {
  it('has the upstream server and one host per mirror, in order, for pull and resolve', () => {
    expect(HOSTS).toBe([
      '# Written by fleet: pulls from Docker Hub try these mirrors in order, then Docker Hub.',
      '# Read at every pull. fleet rollback removes this file; fleet apply rewrites it.',
      'server = "https://registry-1.docker.io"', '',
      '[host."http://10.77.1.2"]', '  capabilities = ["pull", "resolve"]', '',
      '[host."http://10.77.1.1"]', '  capabilities = ["pull", "resolve"]', '',
      '[host."https://mirror.gcr.io"]', '  capabilities = ["pull", "resolve"]', '',
    ].join('\n'));
    expect(hostsTomlMirrors(HOSTS)).toEqual({ mirrors: ['http://10.77.1.2', 'http://10.77.1.1', 'https://mirror.gcr.io'] });
    expect(fleetHostsMirrors(HOSTS, mirrorAddress)).toEqual(['http://10.77.1.2', 'http://10.77.1.1', 'https://mirror.gcr.io']);
    expect(fleetHostsMirrors(`${HOSTS}  skip_verify = true\n`, mirrorAddress)).toBeUndefined();
    expect(hostsTomlMirrors('[host\n')).toEqual({ error: expect.stringMatching(/^not valid TOML/) });
  });
});

describe('planContainerd', () => {
  it('writes hosts.toml alone when config.toml already reads certs.d: no restart', () => {
    expect(planContainerd(spec, facts())).toEqual({
      kind: 'change',
      changes: [{ kind: 'write-file', path: HOSTS_TOML_PATH, content: HOSTS, mode: 0o644, uid: 0, gid: 0, reason: 'Docker Hub mirrors ["http://10.77.1.2","http://10.77.1.1","https://mirror.gcr.io"]' }],
      verify: { hostsToml: HOSTS, configPath: true },
      notes: [],
    });
  });

  it('refuses a config.toml change without --restart, saying why', () => {
    const plan = planContainerd(spec, facts({ configToml: { exists: true, text: WITHOUT_PATH } }));
    expect(plan).toEqual({ kind: 'refuse', reason: expect.stringMatching(/needs the CRI registry config_path "\/etc\/containerd\/certs.d" .* it exits on SIGHUP, so this needs a restart: run again with --restart/) });
  });

  it('with --restart: hosts.toml, config.toml (guarded, backed up), then a restart verified by a new pid', () => {
    const plan = planContainerd({ ...spec, restart: true }, facts({ configToml: { exists: true, text: WITHOUT_PATH, mode: 0o600, uid: 0, gid: 0 } }));
    expect(plan).toMatchObject({
      kind: 'change',
      changes: [
        { kind: 'write-file', path: HOSTS_TOML_PATH },
        { kind: 'write-file', path: '/etc/containerd/config.toml', before: WITHOUT_PATH, backupPath: '/etc/containerd/config.toml.fleet-backup-run1', mode: 0o600, content: `${WITHOUT_PATH}\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n` },
        { kind: 'restart-unit', unit: 'containerd' },
      ],
      verify: { hostsToml: HOSTS, configPath: true, restartedFrom: 40 },
    });
    expect(planContainerd({ ...spec, restart: true }, facts({ configToml: { exists: true, text: WITHOUT_PATH }, hasSystemctl: false }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/no systemctl/) });
  });

  it('is in sync when both files are as wanted', () => {
    expect(planContainerd(spec, facts({ hostsToml: { exists: true, text: HOSTS } }))).toMatchObject({ kind: 'in-sync' });
  });

  it('rewrites fleet\'s own hosts.toml when the mirrors change, guarded by its old content', () => {
    const old = renderHostsToml([mirrorAddress('http://10.77.1.1')]);
    expect(planContainerd(spec, facts({ hostsToml: { exists: true, text: old, mode: 0o644, uid: 0, gid: 0 } }))).toMatchObject({ kind: 'change', changes: [{ kind: 'write-file', before: old, content: HOSTS }] });
  });

  it.each([
    ['a hosts.toml fleet did not write', { hostsToml: { exists: true, text: 'server = "https://registry-1.docker.io"\n[host."https://corp.example"]\n' } }, /exists and was not written by fleet/, { conflict: true }],
    ['an unreadable hosts.toml', { hostsToml: { exists: true, problem: 'not a regular file (directory)' } }, /hosts.toml is not a regular file/],
    ['containerd not running', { pid: undefined }, /containerd is not running/],
    ['no containerd', { installed: false, pid: undefined }, /containerd is not installed/],
    ['a config.toml with legacy mirrors', { configToml: { exists: true, text: 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\nendpoint = ["x"]\n' } }, /registry.mirrors/],
  ] as Array<[string, unknown, RegExp, { conflict: true }?]>)('refuses %s', (_, over, reason, conflict = {}) => {
    expect(planContainerd(spec, facts(over as Partial<ContainerdFacts>))).toEqual({ kind: 'refuse', reason: expect.stringMatching(reason), ...conflict });
  });

  it('refuses a mirror URL with a path', () => {
    expect(planContainerd({ ...spec, mirrors: ['http://m/v2'] }, facts())).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/path/) });
  });
});

describe('planContainerdRollback', () => {
  it('removes fleet\'s hosts.toml without a restart and says config_path stays', () => {
    const plan = planContainerdRollback(facts({ hostsToml: { exists: true, text: HOSTS } }));
    expect(plan).toEqual({
      kind: 'change',
      changes: [{ kind: 'remove-file', path: HOSTS_TOML_PATH, expectedContent: HOSTS, reason: expect.stringMatching(/no restart/) }],
      verify: { hostsToml: null, configPath: true },
      notes: [expect.stringMatching(/^config_path stays in \/etc\/containerd\/config.toml/)],
    });
  });

  it('leaves a changed hosts.toml in place, and is in sync without one', () => {
    expect(planContainerdRollback(facts({ hostsToml: { exists: true, text: `${HOSTS}# mine\n` } }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/was changed since fleet wrote it/) });
    expect(planContainerdRollback(facts())).toMatchObject({ kind: 'in-sync', notes: [expect.stringMatching(/config_path stays/)] });
  });
});

describe('verifyContainerd', () => {
  it('checks hosts.toml, config_path, a running containerd and a restart', () => {
    const done = facts({ hostsToml: { exists: true, text: HOSTS }, pid: 41 });
    expect(verifyContainerd(done, { hostsToml: HOSTS, configPath: true, restartedFrom: 40 })).toBeUndefined();
    expect(verifyContainerd(done, { hostsToml: HOSTS, configPath: true, restartedFrom: 41 })).toMatch(/still runs as pid 41: it was not restarted/);
    expect(verifyContainerd(facts({ hostsToml: { exists: true, text: HOSTS }, pid: undefined }), { hostsToml: HOSTS, configPath: true })).toMatch(/not running/);
    expect(verifyContainerd(done, { hostsToml: null, configPath: false })).toMatch(/hosts.toml is still there/);
    expect(verifyContainerd(facts({ configToml: { exists: true, text: WITHOUT_PATH } }), { hostsToml: null, configPath: true })).toMatch(/does not set config_path/);
  });
});
