import { describe, expect, it } from 'vitest';
import { clientFacts, installedBootHook } from '../../test/unit/builders.js';
import { bootHookExpectation } from '../modules/boot-hook/state.js';
import { planClient } from '../modules/docker-daemon/plan.js';
import { clientFindings } from './client-findings.js';

const settings = { daemonJsonPath: '/etc/docker/daemon.json', mirrors: ['http://10.0.0.5'], bootHook: false };
const hooked = { ...settings, bootHook: true };
const synced = { daemonJson: { exists: true, text: '{"registry-mirrors":["http://10.0.0.5"]}', mode: 0o644, uid: 0, gid: 0 }, activeMirrors: ['http://10.0.0.5'] };
const FIX = 'fleet apply inv.yml --limit c1';
const file = (text: string) => ({ exists: true, text, mode: 0o644, uid: 0, gid: 0 });
const kinds = (facts: Parameters<typeof clientFindings>[1]) => clientFindings(settings, facts, FIX).map((f) => `${f.severity}:${f.kind}`);

describe('clientFindings', () => {
  it('finds nothing when file and daemon have the mirrors', () => {
    expect(kinds(clientFacts({ daemonJson: file('{"registry-mirrors":["http://10.0.0.5/"]}'), activeMirrors: ['http://10.0.0.5'] }))).toEqual([]);
  });

  it('reports a file without the mirror, naming expected and found, and the fix', () => {
    const [finding, ...rest] = clientFindings(settings, clientFacts({ daemonJson: file('{"registry-mirrors":["http://other"]}'), activeMirrors: ['http://other'] }), FIX);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ kind: 'daemon-json-mirrors', severity: 'drift', expected: '["http://10.0.0.5"]', found: '["http://other"]', fix: FIX });
  });

  it('says when the file is absent or has no key', () => {
    expect(clientFindings(settings, clientFacts({ daemonJson: { exists: false } }), FIX)[0]!.found).toBe('no such file');
    expect(clientFindings(settings, clientFacts(), FIX)[0]!.found).toBe('no registry-mirrors key');
  });

  it('reports a file edited but never applied (the daemon still runs without it)', () => {
    expect(kinds(clientFacts({ daemonJson: file('{"registry-mirrors":["http://10.0.0.5"]}'), activeMirrors: [] }))).toEqual(['drift:daemon-not-applied']);
  });

  it('reports a file edited after it was applied: both the file and the daemon differ', () => {
    const facts = clientFacts({ daemonJson: file('{"registry-mirrors":["http://elsewhere"]}'), activeMirrors: ['http://10.0.0.5'] });
    expect(kinds(facts)).toEqual(['drift:daemon-json-mirrors', 'drift:daemon-not-applied']);
  });

  it('reports a mirror flag conflict and an unreachable mirror', () => {
    const facts = clientFacts({
      daemonJson: file('{"registry-mirrors":["http://10.0.0.5"]}'),
      activeMirrors: ['http://10.0.0.5'],
      mirrorFlagSources: ['running dockerd (pid 9) has --registry-mirror=http://x'],
      probes: [{ url: 'http://10.0.0.5', ok: false, detail: 'no answer via curl (exit 7)' }],
    });
    const findings = clientFindings(settings, facts, FIX);
    expect(findings.map((f) => f.kind)).toEqual(['mirror-flag-conflict', 'mirror-unreachable']);
    expect(findings[1]).toMatchObject({ subject: 'GET http://10.0.0.5/v2/ from this host', found: 'no answer via curl (exit 7)' });
  });

  it.each([
    ['dockerd down', clientFacts({ dockerd: { running: false, args: [] } }), 'error:dockerd-down'],
    ['invalid JSON', clientFacts({ daemonJson: file('{"a":') }), 'error:daemon-json-invalid'],
    ['unreadable', clientFacts({ daemonJson: { exists: true, problem: 'not readable' } }), 'error:daemon-json-unreadable'],
  ])('cannot judge a host with %s: one error, nothing else', (_name, facts, expected) => {
    expect(kinds(facts)).toEqual([expected]);
  });

  it('an unknown daemon state is an error, not drift', () => {
    const facts = clientFacts({ daemonJson: file('{"registry-mirrors":["http://10.0.0.5"]}'), activeMirrors: undefined, dockerInfoError: 'permission denied' });
    expect(kinds(facts)).toEqual(['error:daemon-mirrors-unknown']);
  });

  it('reports the boot hook even when daemon.json cannot be judged', () => {
    const facts = clientFacts({ daemonJson: file('{"a":'), bootHook: installedBootHook({ ...settings, mirrors: ['https://mirror.gcr.io'] }) });
    expect(kinds(facts)).toEqual(['error:daemon-json-invalid', 'drift:boot-hook-foreign']);
    expect(clientFindings(hooked, clientFacts({ dockerd: { running: false, args: [] } }), FIX).map((f) => f.kind)).toEqual(['dockerd-down', 'boot-hook-missing']);
  });

  // check and apply must agree: drift exactly when apply would change the host.
  it.each([
    ['in sync', settings, clientFacts(synced)],
    ['no key', settings, clientFacts()],
    ['not applied', settings, clientFacts({ daemonJson: file('{"registry-mirrors":["http://10.0.0.5"]}'), activeMirrors: [] })],
    ['other mirror', settings, clientFacts({ daemonJson: file('{"registry-mirrors":["http://x"]}'), activeMirrors: ['http://x'] })],
    ['no file', settings, clientFacts({ daemonJson: { exists: false } })],
    ['hook wanted and installed', hooked, clientFacts({ ...synced, bootHook: installedBootHook(settings) })],
    ['hook wanted, missing', hooked, clientFacts(synced)],
    ['hook wanted, script edited', hooked, clientFacts({ ...synced, bootHook: installedBootHook(settings, (x) => `${x}# edited\n`) })],
    ['hook wanted, drop-in removed', hooked, clientFacts({ ...synced, bootHook: installedBootHook(settings, undefined, false) })],
    ['hook not wanted, baked into the image with the same mirrors', settings, clientFacts({ ...synced, bootHook: installedBootHook(settings) })],
    ['hook not wanted, puts back other mirrors', settings, clientFacts({ ...synced, bootHook: installedBootHook({ ...settings, mirrors: ['http://x'] }) })],
  ])('drift agrees with what apply would do: %s', (_name, s, facts) => {
    const drift = clientFindings(s, facts, FIX).some((f) => f.severity === 'drift');
    const plan = planClient({ ...s, restart: false, backupSuffix: 'x', bootHook: bootHookExpectation(s) }, facts);
    expect(drift).toBe(plan.kind === 'change');
  });
});
