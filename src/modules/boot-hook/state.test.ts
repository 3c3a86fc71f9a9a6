import { describe, expect, it } from 'vitest';
import { installedBootHook, noBootHook } from '../../../test/unit/builders.js';
import type { BootHookFacts } from '../../facts/boot-hook.js';
import { bootHookData, bootHookFiles, DATA_VARIABLE, parseDataLines } from './files.js';
import { bootHookInstallChanges, bootHookRemovalChanges } from './plan.js';
import { bootHookFindings, bootHookState, isBootHookDrift, type BootHookExpectation } from './state.js';

const settings = { daemonJsonPath: '/etc/docker/daemon.json', mirrors: ['http://10.0.0.5'] };
const expectation = (wanted: boolean, s = settings): BootHookExpectation => ({ files: bootHookFiles(s), data: bootHookData(s), wanted });
const dataLineOf = (content: string) => content.split('\n').filter((l) => l.startsWith(`${DATA_VARIABLE}=`));
const installed = (s = settings, edit?: (script: string) => string, dropIn?: boolean) => installedBootHook(s, edit, dropIn);
const nothing = noBootHook;
const otherMirrors = { ...settings, mirrors: ['https://mirror.gcr.io'] };

describe('bootHookState', () => {
  it.each([
    ['none wanted, none there', false, nothing, 'in-sync'],
    ['wanted and installed as rendered', true, installed(), 'in-sync'],
    ['not wanted, but a hook (baked into the image) puts back the same mirrors', false, installed(), 'in-sync'],
    ['not wanted, an older hook with the same mirrors', false, installed(settings, (s) => s.replace('# Rendered', '# Made')), 'in-sync'],
    ['same mirrors but one trailing slash', false, installed({ ...settings, mirrors: ['http://10.0.0.5/'] }), 'in-sync'],
    ['wanted, nothing there', true, nothing, 'missing'],
    ['wanted, the drop-in is missing', true, installed(settings, (s) => s, false), 'missing'],
    ['wanted, the script was edited', true, installed(settings, (s) => s.replace('umask 077', 'umask 022')), 'stale'],
    ['wanted, another fleet version wrote a trailing slash', true, installed({ ...settings, mirrors: ['http://10.0.0.5/'] }), 'stale'],
    ['wanted, puts back other mirrors', true, installed(otherMirrors), 'foreign'],
    ['not wanted, puts back other mirrors', false, installed(otherMirrors), 'foreign'],
    ['another daemon.json', false, installed({ ...settings, daemonJsonPath: '/etc/docker/other.json' }), 'foreign'],
    ['data line removed', false, installed(settings, (s) => s.replace(/^FLEET_HOOK_DATA=.*$/m, '')), 'foreign'],
    ['data line doubled', false, installed(settings, (s) => s.replace(/^(FLEET_HOOK_DATA=.*)$/m, '$1\n$1')), 'foreign'],
    ['a directory where the script goes', false, { ...nothing, script: { kind: 'unreadable', detail: 'directory' } }, 'unreadable'],
  ] as const)('%s: %s', (_name, wanted, facts, kind) => {
    const state = bootHookState(expectation(wanted), facts as BootHookFacts);
    expect(state.kind).toBe(kind);
    expect(isBootHookDrift(state)).toBe(['missing', 'stale', 'foreign'].includes(kind));
  });

  it('names the mirrors a foreign hook puts back, and check reports it as drift with the fix', () => {
    const state = bootHookState(expectation(false), installed(otherMirrors));
    expect(state).toMatchObject({ kind: 'foreign', installed: { mirrors: ['https://mirror.gcr.io'] } });
    const [finding] = bootHookFindings(state, 'fleet apply inv.yml --limit c1');
    expect(finding).toMatchObject({ kind: 'boot-hook-foreign', severity: 'drift', fix: 'fleet apply inv.yml --limit c1' });
    expect(finding!.found).toContain(`mirrors ["https://mirror.gcr.io"], not the inventory's ["http://10.0.0.5"]`);
    expect(bootHookFindings(bootHookState(expectation(true), installed()), 'x')).toEqual([]);
    expect(bootHookFindings(bootHookState(expectation(true), nothing), 'x')[0]).toMatchObject({ kind: 'boot-hook-missing', found: 'missing /usr/local/sbin/fleet-docker-mirrors, /etc/systemd/system/docker.service.d/fleet-mirrors.conf' });
  });
});

describe('parseDataLines', () => {
  it('reads back what the renderer wrote, quotes included', () => {
    const s = { daemonJsonPath: "/etc/docker/it's.json", mirrors: ["http://a/'b'", 'http://c'] };
    expect(parseDataLines(dataLineOf(bootHookFiles(s).script.content))).toEqual({ data: bootHookData(s) });
  });

  it.each([
    [`${DATA_VARIABLE}={"mirrors":[]}`, /not a single-quoted value/],
    [`${DATA_VARIABLE}='{"mirrors":[]}'$(reboot)`, /not a single-quoted value/],
    [`${DATA_VARIABLE}='not json'`, /not JSON/],
    [`${DATA_VARIABLE}='{"daemonJson":"/x","mirrors":[1]}'`, /does not name/],
  ])('refuses %s', (line, problem) => {
    const parsed = parseDataLines([line]);
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });
});

describe('install and removal changes', () => {
  it('apply writes what is missing or differs, then reloads systemd; nothing when in sync', () => {
    const files = bootHookFiles(settings);
    const changes = bootHookInstallChanges(expectation(true), nothing);
    expect(changes.map((c) => (c.kind === 'write-file' ? `${c.path} ${c.mode.toString(8)} ${c.before === undefined && c.beforeSha === undefined ? 'absent' : 'present'}` : c.kind))).toEqual([
      `${files.script.path} 755 absent`,
      `${files.dropIn.path} 644 absent`,
      'exec',
    ]);
    expect(changes[0]).toMatchObject({ content: files.script.content, uid: 0, gid: 0 });
    expect(bootHookInstallChanges(expectation(true), installed())).toEqual([]);
    // only the edited script is rewritten, and systemd needs no reload for it
    const edited = installed(settings, (s) => `${s}# edited\n`);
    expect(bootHookInstallChanges(expectation(true), edited)).toEqual([expect.objectContaining({ kind: 'write-file', path: files.script.path, before: edited.script.kind === 'file' && edited.script.content })]);
  });

  it('apply replaces a foreign hook even when the inventory does not ask for one', () => {
    const changes = bootHookInstallChanges(expectation(false), installed(otherMirrors));
    expect(changes.map((c) => c.kind)).toEqual(['write-file']); // the drop-in is fleet's already
    expect(changes[0]).toMatchObject({ path: '/usr/local/sbin/fleet-docker-mirrors', reason: expect.stringContaining('https://mirror.gcr.io') });
    expect(bootHookInstallChanges(expectation(false), nothing)).toEqual([]);
  });

  it('rollback removes a hook that puts back the inventory\'s mirrors, and leaves a foreign one', () => {
    const removal = bootHookRemovalChanges(expectation(true), installed());
    expect(removal.map((c) => c.kind === 'exec' && c.label)).toEqual(['remove /usr/local/sbin/fleet-docker-mirrors', 'remove /etc/systemd/system/docker.service.d/fleet-mirrors.conf', 'systemctl daemon-reload']);
    expect(bootHookRemovalChanges(expectation(true), installed(otherMirrors))).toEqual([]);
    expect(bootHookRemovalChanges(expectation(true), nothing)).toEqual([]);
  });
});
