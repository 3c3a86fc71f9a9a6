import { describe, expect, it } from 'vitest';
import { clientFacts, installedBootHook } from '../../../test/unit/builders.js';
import { bootHookExpectation } from '../boot-hook/state.js';
import { planRollback, type RollbackSpec } from './rollback-plan.js';

const hookSettings = { daemonJsonPath: '/etc/docker/daemon.json', mirrors: ['http://10.0.0.5'], bootHook: false };
const spec: RollbackSpec = { daemonJsonPath: '/etc/docker/daemon.json', originalMirrors: null, restart: false, backupSuffix: 'rb1', bootHook: bootHookExpectation(hookSettings) };
const applied = (extra = '') => ({ exists: true, text: `{\n  "log-driver": "json-file",${extra}\n  "registry-mirrors": ["http://10.0.0.5"]\n}\n`, mode: 0o644, uid: 0, gid: 0 });

describe('planRollback', () => {
  it('clears the running mirrors with [] + reload before removing the key (reload ignores a removed key)', () => {
    const plan = planRollback(spec, clientFacts({ daemonJson: applied(), activeMirrors: ['http://10.0.0.5'] }));
    expect(plan.kind).toBe('change');
    if (plan.kind !== 'change') return;
    expect(plan.changes.map((c) => c.kind)).toEqual(['write-file', 'apply-docker-config', 'write-file']);
    // the key is removed only once the daemon shows no mirror (a slow reload must not be raced)
    expect(plan.changes[1]).toMatchObject({ expectMirrors: [] });
    const [first, , last] = plan.changes;
    expect(first!.kind === 'write-file' && JSON.parse(first.content)['registry-mirrors']).toEqual([]);
    expect(last!.kind === 'write-file' && JSON.parse(last.content)).toEqual({ 'log-driver': 'json-file' });
    expect(plan.verify.mirrors).toEqual([]);
  });

  it('restores the operator\'s own mirrors and keeps keys changed since the apply', () => {
    const plan = planRollback({ ...spec, originalMirrors: ['http://own'] }, clientFacts({ daemonJson: applied('\n  "debug": true,'), activeMirrors: ['http://10.0.0.5'] }));
    expect(plan.kind === 'change' && plan.changes.map((c) => c.kind)).toEqual(['write-file', 'apply-docker-config']);
    const write = plan.kind === 'change' ? plan.changes[0]! : undefined;
    expect(write?.kind === 'write-file' && JSON.parse(write.content)).toEqual({ 'log-driver': 'json-file', debug: true, 'registry-mirrors': ['http://own'] });
    expect(plan.kind === 'change' && plan.changes[1]).toMatchObject({ expectMirrors: ['http://own'] });
  });

  it('edits the target of a symlinked daemon.json, both steps, with the backup beside it', () => {
    const facts = clientFacts({ daemonJson: { ...applied(), linkTarget: '/etc/docker/real/daemon.json' }, activeMirrors: ['http://10.0.0.5'] });
    const plan = planRollback(spec, facts);
    const writes = plan.kind === 'change' ? plan.changes.filter((c) => c.kind === 'write-file') : [];
    expect(writes.map((w) => w.kind === 'write-file' && w.path)).toEqual(['/etc/docker/real/daemon.json', '/etc/docker/real/daemon.json']);
    expect(writes[0]).toMatchObject({ backupPath: '/etc/docker/real/daemon.json.fleet-backup-rb1' });
  });

  it('with --restart writes the final file directly and restarts', () => {
    const plan = planRollback({ ...spec, restart: true }, clientFacts({ daemonJson: applied(), activeMirrors: ['http://10.0.0.5'] }));
    expect(plan.kind === 'change' && plan.changes.map((c) => (c.kind === 'apply-docker-config' ? c.method : c.kind))).toEqual(['write-file', 'systemctl-restart']);
    expect(plan.kind === 'change' && plan.changes[1]).toMatchObject({ expectMirrors: [] });
  });

  it('is in sync when neither file nor daemon has mirrors', () => {
    expect(planRollback(spec, clientFacts({ daemonJson: { exists: true, text: '{}', mode: 0o644, uid: 0, gid: 0 }, activeMirrors: [] })).kind).toBe('in-sync');
  });

  it('never edits an invalid file', () => {
    const plan = planRollback(spec, clientFacts({ daemonJson: { exists: true, text: '{ broken', mode: 0o644, uid: 0, gid: 0 }, activeMirrors: ['http://10.0.0.5'] }));
    expect(plan).toMatchObject({ kind: 'refuse' });
  });
});

describe('planRollback and the boot hook', () => {
  const clean = { daemonJson: { exists: true, text: '{}', mode: 0o644, uid: 0, gid: 0 }, activeMirrors: [] };

  it('removes fleet\'s hook BEFORE daemon.json changes, then verifies it is gone', () => {
    const plan = planRollback(spec, clientFacts({ daemonJson: applied(), activeMirrors: ['http://10.0.0.5'], bootHook: installedBootHook(hookSettings) }));
    expect(plan.kind === 'change' && plan.changes.map((c) => (c.kind === 'exec' ? c.label : c.kind))).toEqual([
      'remove /usr/local/sbin/fleet-docker-mirrors', 'remove /etc/systemd/system/docker.service.d/fleet-mirrors.conf', 'systemctl daemon-reload',
      'write-file', 'apply-docker-config', 'write-file',
    ]);
    expect(plan.kind === 'change' && plan.verify.hook).toEqual({ goal: 'removed', expected: spec.bootHook });
  });

  it('removes a hook left behind even when daemon.json is already rolled back', () => {
    const plan = planRollback(spec, clientFacts({ ...clean, bootHook: installedBootHook(hookSettings) }));
    expect(plan).toMatchObject({ kind: 'change', verify: { mirrors: [], hook: { goal: 'removed' } } });
    expect(planRollback(spec, clientFacts(clean)).kind).toBe('in-sync');
  });

  it('leaves a hook that puts back other mirrors, and says so', () => {
    const foreign = installedBootHook({ ...hookSettings, mirrors: ['https://mirror.gcr.io'] });
    const plan = planRollback(spec, clientFacts({ ...clean, bootHook: foreign }));
    expect(plan).toMatchObject({ kind: 'in-sync', warnings: [expect.stringMatching(/boot hook left in place .*mirror\.gcr\.io/)] });
  });
});
