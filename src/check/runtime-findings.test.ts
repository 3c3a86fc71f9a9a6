import { describe, expect, it } from 'vitest';
import { runtimeFindings } from './runtime-findings.js';

const spec = { runtime: 'podman' as const, subject: '/etc/containers/registries.conf.d/zz-fleet-mirrors.conf', mirrors: ['http://10.0.0.5'], fixCommand: 'fleet apply inv.yml --limit p' };

describe('runtime findings', () => {
  it('in sync: nothing to report', () => {
    expect(runtimeFindings(spec, { kind: 'in-sync', reason: 'ok' })).toEqual([]);
  });

  it('changes apply would make: drift on the managed file, naming each change and the fix', () => {
    const plan = { kind: 'change' as const, verify: {}, changes: [{ kind: 'remove-file' as const, path: spec.subject, expectedContent: 'x', reason: 'test' }] };
    expect(runtimeFindings(spec, plan)).toEqual([{ kind: 'runtime-mirrors', severity: 'drift', subject: spec.subject, expected: 'Docker Hub mirrors ["http://10.0.0.5"]', found: `apply would remove ${spec.subject}: test`, fix: spec.fixCommand }]);
  });

  it('another configuration deciding Docker Hub pulls is a conflict (drift); anything else that stops apply is an error', () => {
    expect(runtimeFindings(spec, { kind: 'refuse', reason: 'registries.conf already configures docker.io', conflict: true })).toMatchObject([{ kind: 'mirror-conflict', severity: 'drift', fix: `remove the other configuration, then ${spec.fixCommand}` }]);
    expect(runtimeFindings(spec, { kind: 'refuse', reason: 'podman info fails: boom' })).toMatchObject([{ kind: 'runtime-unusable', severity: 'error', found: 'podman info fails: boom' }]);
  });
});
