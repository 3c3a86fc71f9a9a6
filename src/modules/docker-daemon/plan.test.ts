import { describe, expect, it } from 'vitest';
import { clientFacts, installedBootHook } from '../../../test/unit/builders.js';
import { bootHookExpectation } from '../boot-hook/state.js';
import { clearingContent, mirrorsOnceApplied, planClient, supportsValidate, type ClientSpec } from './plan.js';

const hookSettings = { daemonJsonPath: '/etc/docker/daemon.json', mirrors: ['http://10.0.0.5'], bootHook: false };
const spec: ClientSpec = { ...hookSettings, restart: false, backupSuffix: 'run1', bootHook: bootHookExpectation(hookSettings) };

describe('planClient', () => {
  it('writes the file and reloads when the mirror is missing', () => {
    const plan = planClient(spec, clientFacts());
    expect(plan.kind).toBe('change');
    if (plan.kind !== 'change') return;
    expect(plan.changes.map((c) => c.kind)).toEqual(['write-file', 'apply-docker-config']);
    const write = plan.changes[0]!;
    expect(write.kind === 'write-file' && JSON.parse(write.content)).toEqual({ 'log-driver': 'json-file', 'registry-mirrors': ['http://10.0.0.5'] });
    expect(write.kind === 'write-file' && write.backupPath).toBe('/etc/docker/daemon.json.fleet-backup-run1');
    expect(plan.changes[1]).toMatchObject({ method: 'systemctl-reload', expectMirrors: ['http://10.0.0.5'] });
  });

  it('edits the file a symlinked daemon.json leads to, with the backup beside it', () => {
    const linked = clientFacts({ daemonJson: { exists: true, text: '{}', mode: 0o644, uid: 0, gid: 0, linkTarget: '/srv/docker/conf/daemon.json' } });
    const plan = planClient(spec, linked);
    expect(plan.kind === 'change' && plan.changes[0]).toMatchObject({ path: '/srv/docker/conf/daemon.json', backupPath: '/srv/docker/conf/daemon.json.fleet-backup-run1' });
  });

  it('is in sync when file and daemon both have the mirrors', () => {
    const facts = clientFacts({ daemonJson: { exists: true, text: '{"registry-mirrors":["http://10.0.0.5/"]}', mode: 0o644, uid: 0, gid: 0 }, activeMirrors: ['http://10.0.0.5'] });
    expect(planClient(spec, facts).kind).toBe('in-sync');
  });

  it('only reloads when the file is right but the daemon was never told', () => {
    const facts = clientFacts({ daemonJson: { exists: true, text: '{"registry-mirrors":["http://10.0.0.5"]}', mode: 0o600, uid: 0, gid: 0 }, activeMirrors: [] });
    const plan = planClient(spec, facts);
    expect(plan.kind === 'change' && plan.changes.map((c) => c.kind)).toEqual(['apply-docker-config']);
  });

  it('keeps mode and owner of an existing file, uses 0644 root for a new one', () => {
    const existing = planClient(spec, clientFacts({ daemonJson: { exists: true, text: '{}', mode: 0o600, uid: 0, gid: 999 } }));
    expect(existing.kind === 'change' && existing.changes[0]).toMatchObject({ mode: 0o600, gid: 999 });
    const absent = planClient(spec, clientFacts({ daemonJson: { exists: false } }));
    expect(absent.kind === 'change' && absent.changes[0]).toMatchObject({ mode: 0o644, uid: 0, gid: 0 });
    expect(absent.kind === 'change' && absent.changes[0]).not.toHaveProperty('backupPath');
  });

  it.each([
    ['invalid JSON', clientFacts({ daemonJson: { exists: true, text: '{"a":', mode: 0o644, uid: 0, gid: 0 } }), /not valid JSON.*left untouched/],
    ['a JSON array', clientFacts({ daemonJson: { exists: true, text: '[]', mode: 0o644, uid: 0, gid: 0 } }), /not a JSON object/],
    ['a mirror flag', clientFacts({ mirrorFlagSources: ['running dockerd (pid 1) has --registry-mirror=http://x'] }), /already set as a dockerd flag/],
    ['a dead mirror', clientFacts({ probes: [{ url: 'http://10.0.0.5', ok: false, detail: 'no answer via curl (exit 7)' }] }), /does not answer GET \/v2\//],
    ['dockerd down', clientFacts({ dockerd: { running: false, args: [] } }), /dockerd is not running/],
    ['unreadable file', clientFacts({ daemonJson: { exists: true, problem: 'not readable' } }), /not readable/],
  ])('refuses a host with %s', (_name, facts, reason) => {
    const plan = planClient(spec, facts);
    expect(plan.kind).toBe('refuse');
    expect(plan.kind === 'refuse' && plan.reason).toMatch(reason);
  });

  it('with several caches, configures a host that reaches one of them, warning about the dead one', () => {
    const probes = [
      { url: 'http://10.0.0.5', ok: false, detail: 'no answer via curl (exit 7)' },
      { url: 'http://10.0.0.6', ok: true, detail: 'HTTP 200 via curl' },
    ];
    const two = { ...spec, mirrors: ['http://10.0.0.5', 'http://10.0.0.6'] };
    const plan = planClient(two, clientFacts({ probes }));
    expect(plan.kind).toBe('change');
    expect(plan.kind === 'change' && plan.warnings).toEqual([expect.stringMatching(/^mirror http:\/\/10\.0\.0\.5 does not answer GET \/v2\/ from this host: .*configured anyway: http:\/\/10\.0\.0\.6 answers/)]);
    const dead = planClient(two, clientFacts({ probes: probes.map((p) => ({ ...p, ok: false })) }));
    expect(dead.kind === 'refuse' && dead.reason).toMatch(/10\.0\.0\.5 does not answer.*; mirror http:\/\/10\.0\.0\.6 does not answer/);
  });

  it('restarts only when asked, and signals dockerd when there is no systemd', () => {
    const restart = planClient({ ...spec, restart: true }, clientFacts());
    expect(restart.kind === 'change' && restart.changes[1]).toMatchObject({ method: 'systemctl-restart' });
    const noSystemd = planClient(spec, clientFacts({ hasSystemctl: false }));
    expect(noSystemd.kind === 'change' && noSystemd.changes[1]).toMatchObject({ method: 'sighup' });
  });

  it('validates with dockerd only from Engine 23', () => {
    expect(supportsValidate('20.10.24')).toBe(false);
    expect(supportsValidate('23.0.1')).toBe(true);
    expect(supportsValidate('28.2.2')).toBe(true);
    expect(supportsValidate(undefined)).toBe(false);
  });
});

describe('clearingContent', () => {
  it('gives the original with registry-mirrors [] when a reload of the original would keep the mirrors', () => {
    expect(JSON.parse(clearingContent('{"debug": true}', 'systemctl-reload')!)).toEqual({ debug: true, 'registry-mirrors': [] });
    expect(JSON.parse(clearingContent(undefined, 'sighup')!)).toEqual({ 'registry-mirrors': [] });
  });

  it('is not needed when the original has the key, after a restart, or for a file that is not JSON', () => {
    expect(clearingContent('{"registry-mirrors": ["http://a"]}', 'systemctl-reload')).toBeUndefined();
    expect(clearingContent('{"debug": true}', 'systemctl-restart')).toBeUndefined();
    expect(clearingContent('{not json', 'systemctl-reload')).toBeUndefined();
  });
});

describe('mirrorsOnceApplied', () => {
  it('tells what the daemon shows once a file is applied, when it can be told', () => {
    expect(mirrorsOnceApplied('{"registry-mirrors": ["http://a"]}', 'systemctl-reload')).toEqual(['http://a']);
    expect(mirrorsOnceApplied('{"registry-mirrors": []}', 'sighup')).toEqual([]);
    expect(mirrorsOnceApplied('{"debug": true}', 'systemctl-reload')).toBeUndefined(); // a reload keeps what the daemon had
    expect(mirrorsOnceApplied(undefined, 'systemctl-reload')).toBeUndefined();
    expect(mirrorsOnceApplied('{"debug": true}', 'systemctl-restart')).toEqual([]);
    expect(mirrorsOnceApplied(undefined, 'systemctl-restart')).toEqual([]);
  });
});

describe('planClient with mirror_boot_hook', () => {
  const wanted = { ...spec, bootHook: bootHookExpectation({ ...hookSettings, bootHook: true }) };
  const synced = { daemonJson: { exists: true, text: '{"registry-mirrors":["http://10.0.0.5"]}', mode: 0o644, uid: 0, gid: 0 }, activeMirrors: ['http://10.0.0.5'] };

  it('installs the hook after the daemon.json changes, then reloads systemd, and verifies it', () => {
    const plan = planClient(wanted, clientFacts());
    expect(plan.kind === 'change' && plan.changes.map((c) => (c.kind === 'write-file' ? c.path : c.kind))).toEqual([
      '/etc/docker/daemon.json', 'apply-docker-config', '/usr/local/sbin/fleet-docker-mirrors', '/etc/systemd/system/docker.service.d/fleet-mirrors.conf', 'exec',
    ]);
    expect(plan.kind === 'change' && plan.verify.hook).toEqual({ goal: 'installed', expected: wanted.bootHook });
    expect(planClient(wanted, clientFacts({ ...synced, bootHook: installedBootHook(hookSettings) })).kind).toBe('in-sync');
  });

  it('puts back the content it replaces: an edited script is written over with its content as "before"', () => {
    const edited = installedBootHook(hookSettings, (x) => `${x}# edited\n`);
    const plan = planClient(wanted, clientFacts({ ...synced, bootHook: edited }));
    expect(plan.kind === 'change' && plan.changes).toEqual([expect.objectContaining({ path: '/usr/local/sbin/fleet-docker-mirrors', before: edited.script.kind === 'file' && edited.script.content })]);
  });

  it('refuses a host whose hook cannot be read, and a host without systemd when the hook is wanted', () => {
    const unreadable = { script: { kind: 'unreadable' as const, detail: 'directory' }, scriptDataLines: [], dropIn: { kind: 'absent' as const } };
    expect(planClient(spec, clientFacts({ ...synced, bootHook: unreadable }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/fleet-docker-mirrors cannot be read \(directory\)/) });
    expect(planClient(wanted, clientFacts({ ...synced, hasSystemctl: false }))).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/needs systemd/) });
    expect(planClient(spec, clientFacts({ ...synced, hasSystemctl: false })).kind).toBe('in-sync');
  });
});
