import { describe, expect, it } from 'vitest';
import type { PodmanFacts } from '../../facts/podman.js';
import { planPodman, planPodmanRollback, reloadsOnSighup, verifyPodman } from './plan.js';
import { FLEET_DROP_IN_PATH, renderDropIn } from './registries-conf.js';

const LAB = { location: '10.77.0.3', insecure: true };
const GCR = { location: 'mirror.gcr.io', insecure: false };
const FLEET_FILE = renderDropIn([LAB, GCR]);

/** A stock Debian Podman host: comments-only registries.conf, shortnames drop-in, no mirrors. */
function facts(over: Partial<PodmanFacts> = {}): PodmanFacts {
  return {
    installed: true,
    version: '4.3.1',
    registriesConf: { exists: true, text: '# unqualified-search-registries = ["example.com"]\n', mode: 0o644, uid: 0, gid: 0 },
    dropIns: [{ name: 'shortnames.conf', file: { exists: true, text: '[aliases]\n  "busybox" = "docker.io/library/busybox"\n', mode: 0o644, uid: 0, gid: 0 } }],
    userRegistriesConf: { exists: false },
    resolved: new Map(),
    servicePids: [],
    ...over,
  };
}

function withFleetFile(text: string, active = [LAB, GCR]): Partial<PodmanFacts> {
  return {
    dropIns: [...facts().dropIns, { name: 'zz-fleet-mirrors.conf', file: { exists: true, text, mode: 0o644, uid: 0, gid: 0 } }],
    resolved: new Map([['docker.io', { location: 'docker.io', mirrors: active }]]),
  };
}

const spec = { mirrors: ['http://10.77.0.3', 'https://mirror.gcr.io/'] };

describe('planPodman', () => {
  it('writes fleet\'s drop-in with one mirror per cache, insecure for http, and verifies with podman info', () => {
    const plan = planPodman(spec, facts());
    expect(plan).toEqual({
      kind: 'change',
      changes: [{ kind: 'write-file', path: FLEET_DROP_IN_PATH, content: FLEET_FILE, mode: 0o644, uid: 0, gid: 0, reason: 'Docker Hub mirrors ["10.77.0.3 (insecure)","mirror.gcr.io"]' }],
      verify: { mirrors: [LAB, GCR] },
      notes: [],
    });
    expect(FLEET_FILE).toBe([
      '# Written by fleet: pulls from Docker Hub try these mirrors in order, then Docker Hub.',
      '# fleet rollback removes this file; fleet apply rewrites it.',
      '[[registry]]', 'prefix = "docker.io"', 'location = "docker.io"', '',
      '[[registry.mirror]]', 'location = "10.77.0.3"', 'insecure = true', '',
      '[[registry.mirror]]', 'location = "mirror.gcr.io"', '',
    ].join('\n'));
  });

  it('is in sync when the drop-in is fleet\'s and podman info shows the same mirrors', () => {
    expect(planPodman(spec, facts(withFleetFile(FLEET_FILE)))).toMatchObject({ kind: 'in-sync' });
  });

  it('rewrites fleet\'s drop-in with the old content as the guard when the mirrors changed', () => {
    const old = renderDropIn([LAB]);
    const plan = planPodman(spec, facts(withFleetFile(old, [LAB])));
    expect(plan).toMatchObject({ kind: 'change', changes: [{ kind: 'write-file', before: old, content: FLEET_FILE, reason: 'Docker Hub mirrors ["10.77.0.3 (insecure)"] -> ["10.77.0.3 (insecure)","mirror.gcr.io"]' }] });
  });

  it('refuses when the drop-in is in place but Podman resolves something else', () => {
    const plan = planPodman(spec, facts(withFleetFile(FLEET_FILE, [GCR])));
    expect(plan).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/is in place but podman info shows Docker Hub mirrors \["mirror.gcr.io"\]: something else overrides it/) });
  });

  it.each([
    ['registries.conf with docker.io mirrors', { registriesConf: { exists: true, text: '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "m.example"\n' } },
      /\/etc\/containers\/registries.conf already configures docker.io \(Docker Hub mirrors \["m.example"\]\)/, { conflict: true }],
    ['a drop-in for docker.io/library', { dropIns: [{ name: '50-lib.conf', file: { exists: true, text: '[[registry]]\nprefix = "docker.io/library"\nlocation = "x.example/lib"\n' } }] },
      /registries.conf.d\/50-lib.conf already configures docker.io\/library \(a registry entry without mirrors\)/, { conflict: true }],
    ['a version 1 registries.conf', { registriesConf: { exists: true, text: '[registries.search]\nregistries = ["docker.io"]\n' } }, /version 1 format/],
    ['an unparsable drop-in', { dropIns: [{ name: 'bad.conf', file: { exists: true, text: 'garbage [\n' } }] }, /bad.conf is not valid TOML/],
    ['an unreadable drop-in', { dropIns: [{ name: 'x.conf', file: { exists: true, problem: 'not readable (is ansible_become needed?)' } }] }, /x.conf is not readable/],
    ['root\'s own registries.conf', { userRegistriesConf: { exists: true, text: '' } }, /\/root\/.config\/containers\/registries.conf exists: Podman run by root reads it instead/],
    ['no podman', { installed: false }, /podman is not installed/],
    ['podman info failing on another file', { resolved: undefined, infoError: 'Error: loading drop-in "/etc/containers/registries.conf.d/ab.conf": invalid' }, /podman info fails: Error: loading drop-in/],
  ] as Array<[string, unknown, RegExp, { conflict: true }?]>)('refuses %s', (_, over, reason, conflict = {}) => {
    expect(planPodman(spec, facts(over as Partial<PodmanFacts>))).toEqual({ kind: 'refuse', reason: expect.stringMatching(reason), ...conflict });
  });

  it('rewrites a broken fleet drop-in (podman info fails on fleet\'s own file)', () => {
    const plan = planPodman(spec, facts({ ...withFleetFile('garbage ['), resolved: undefined, infoError: `Error: loading drop-in "${FLEET_DROP_IN_PATH}": toml` }));
    expect(plan).toMatchObject({ kind: 'change', changes: [{ kind: 'write-file', before: 'garbage [', content: FLEET_FILE }] });
  });

  it('refuses a mirror URL it cannot express', () => {
    expect(planPodman({ mirrors: ['http://10.77.0.3/v2'] }, facts())).toEqual({ kind: 'refuse', reason: expect.stringMatching(/a path, query or fragment is not supported/) });
  });

  it('sends a running podman system service SIGHUP (Podman >= 2.1), re-checking the pid first', () => {
    const plan = planPodman(spec, facts({ servicePids: [412] }));
    expect(plan.kind === 'change' && plan.changes[1]).toMatchObject({ kind: 'exec', label: 'reload podman system service (pid 412)' });
    expect(plan.kind === 'change' && plan.changes[1]!.kind === 'exec' && plan.changes[1]!.script).toMatch(/^P=412\ncase .*\/proc\/\$P\/cmdline[^]*kill -HUP "\$P"/);
    expect(plan).toMatchObject({ notes: ['podman system service (pid 412) is told to re-read registries.conf (SIGHUP)'] });
    const old = planPodman(spec, facts({ servicePids: [412], version: '2.0.5' }));
    expect(old).toMatchObject({ kind: 'change', notes: [expect.stringMatching(/Podman 2.0.5, which does not re-read registries.conf on SIGHUP: restart it/)] });
    expect(old.kind === 'change' && old.changes.length).toBe(1);
  });

  it('reloadsOnSighup from 2.1 on', () => {
    expect(['2.1.0', '3.4.4', '4.3.1', '10.0'].map(reloadsOnSighup)).toEqual([true, true, true, true]);
    expect(['2.0.5', '1.9', undefined, 'x'].map(reloadsOnSighup)).toEqual([false, false, false, false]);
  });
});

describe('planPodmanRollback', () => {
  it('removes fleet\'s drop-in only while it holds what fleet wrote', () => {
    expect(planPodmanRollback(facts(withFleetFile(FLEET_FILE)))).toEqual({
      kind: 'change',
      changes: [{ kind: 'remove-file', path: FLEET_DROP_IN_PATH, expectedContent: FLEET_FILE, reason: 'remove fleet\'s Docker Hub mirrors' }],
      verify: { mirrors: [] },
      notes: [],
    });
    expect(planPodmanRollback(facts(withFleetFile(`${FLEET_FILE}# mine\n`)))).toEqual({ kind: 'refuse', reason: expect.stringMatching(/was changed since fleet wrote it; left in place/) });
  });

  it('is in sync without fleet\'s drop-in', () => {
    expect(planPodmanRollback(facts())).toMatchObject({ kind: 'in-sync', reason: `no ${FLEET_DROP_IN_PATH}` });
  });
});

describe('verifyPodman', () => {
  it('compares Podman\'s resolved Docker Hub mirrors, in order', () => {
    expect(verifyPodman(facts(withFleetFile(FLEET_FILE)), { mirrors: [LAB, GCR] })).toBeUndefined();
    expect(verifyPodman(facts(withFleetFile(FLEET_FILE, [GCR, LAB])), { mirrors: [LAB, GCR] })).toMatch(/shows Docker Hub mirrors \["mirror.gcr.io","10.77.0.3 \(insecure\)"\], expected/);
    expect(verifyPodman(facts(), { mirrors: [] })).toBeUndefined();
    expect(verifyPodman(facts({ resolved: undefined, infoError: 'boom' }), { mirrors: [] })).toMatch(/cannot read Podman's registries: boom/);
  });
});
