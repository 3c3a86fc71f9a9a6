import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostSchedule } from '../../test/unit/schedule-specs.js';
import { renderSystemd } from './systemd.js';

const ANALYZE = '/usr/bin/systemd-analyze';
const noAnalyze = !existsSync(ANALYZE);

function unitSettings(content: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of content.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1] as string, [...(out.get(m[1] as string) ?? []), m[2] as string]);
  }
  return out;
}

/** Write the rendered units into a fresh directory and run `systemd-analyze verify` on them. */
function verify(files: ReadonlyArray<{ name: string; content: string }>): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-units-'));
  for (const f of files) writeFileSync(path.join(dir, f.name), f.content);
  const r = spawnSync(ANALYZE, ['verify', ...files.map((f) => path.join(dir, f.name))], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('systemd units', () => {
  it('a oneshot service running fleet check by absolute path, no restarts, secrets only by file', () => {
    const { files } = renderSystemd(hostSchedule({ user: 'fleet', envFile: '/etc/fleet/check.env', run: { command: 'check', inventories: ['/srv/fleet/inventory.yml'], limit: 'clients', prometheus: '/var/lib/node_exporter/fleet.prom' } }), undefined);
    expect(files.map((f) => f.name)).toEqual(['fleet-check.service', 'fleet-check.timer']);
    const s = unitSettings(files[0]?.content ?? '');
    expect(s.get('Type')).toEqual(['oneshot']);
    expect(s.get('ExecStart')).toEqual(['/usr/bin/node /opt/fleet/bin/fleet.js check /srv/fleet/inventory.yml --limit clients --prometheus /var/lib/node_exporter/fleet.prom']);
    expect(s.get('User')).toEqual(['fleet']);
    expect(s.get('WorkingDirectory')).toEqual(['/srv/fleet']);
    expect(s.get('EnvironmentFile')).toEqual(['/etc/fleet/check.env']);
    expect(s.has('Environment')).toBe(false);
    expect(s.get('Restart')).toEqual(['no']);
    expect(s.get('TimeoutStartSec')).toEqual(['15min']);
    expect(s.get('ProtectSystem')).toEqual(['strict']);
    expect(s.get('ProtectHome')).toEqual(['read-only']);
    expect(s.get('ReadWritePaths')).toEqual(['/var/lib/node_exporter']);
    expect(s.get('CapabilityBoundingSet')).toEqual(['']);
    expect(s.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('keeps root able to read keys it does not own, and nothing more', () => {
    const s = unitSettings(renderSystemd(hostSchedule(), undefined).files[0]?.content ?? '');
    expect(s.has('User')).toBe(false);
    expect(s.get('CapabilityBoundingSet')).toEqual(['CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH']);
    expect(s.has('ReadWritePaths')).toBe(false);
    expect(s.has('EnvironmentFile')).toBe(false);
  });

  it('a monotonic timer at the interval, first run soon after boot or enabling', () => {
    const t = unitSettings(renderSystemd(hostSchedule({ everySeconds: 5400 }), undefined).files[1]?.content ?? '');
    expect(t.get('OnUnitActiveSec')).toEqual(['1h 30min']);
    expect(t.get('OnBootSec')).toEqual(['5min']);
    expect(t.get('AccuracySec')).toEqual(['1s']);
    expect(t.has('RandomizedDelaySec')).toBe(false); // it would be added to every period
    expect(t.get('Unit')).toEqual(['fleet-check.service']);
    expect(t.get('WantedBy')).toEqual(['timers.target']);
    const short = unitSettings(renderSystemd(hostSchedule({ everySeconds: 60 }), undefined).files[1]?.content ?? '');
    expect(short.get('OnBootSec')).toEqual(['1min']);
  });

  it('gives next steps that install and enable the timer', () => {
    const { nextSteps } = renderSystemd(hostSchedule({ name: 'drift' }), '/tmp/out');
    expect(nextSteps.join('\n')).toContain('sudo install -m 0644 /tmp/out/drift.service /tmp/out/drift.timer /etc/systemd/system/');
    expect(nextSteps.join('\n')).toContain('systemctl daemon-reload && sudo systemctl enable --now drift.timer');
    expect(renderSystemd(hostSchedule(), '/etc/systemd/system').nextSteps.join('\n')).not.toContain('install');
  });

  it.skipIf(noAnalyze)('passes systemd-analyze verify, with spaces, % and $ in every path (skipped where /usr/bin/systemd-analyze is absent)', () => {
    // verify resolves specifiers and checks that ExecStart's binary exists: an unescaped `%Z`
    // (no such specifier) or a wrongly quoted path fails it.
    const root = mkdtempSync(path.join(tmpdir(), 'fleet sched %Z $x '));
    const bin = path.join(root, 'fleet bin %Z');
    mkdirSync(bin);
    const fleet = path.join(bin, 'fleet');
    copyFileSync('/bin/true', fleet);
    chmodSync(fleet, 0o755);
    const spec = hostSchedule({
      name: 'fleet-check-test',
      fleet: [fleet],
      workdir: root,
      user: 'fleet',
      envFile: path.join(root, "fleet's %Z.env"),
      run: { command: 'check', inventories: [path.join(root, "fleet's inv %Z.yml")], limit: '!nomad-%Z,$HOME', knownHosts: path.join(root, 'known hosts'), prometheus: path.join(root, 'prom %Z', 'fleet.prom') },
    });
    mkdirSync(path.join(root, 'prom %Z'));
    const good = verify(renderSystemd(spec, undefined).files);
    expect(good.output).toBe('');
    expect(good.status).toBe(0);
    // The same units with the % escaping undone are refused: the check above can fail.
    const broken = renderSystemd(spec, undefined).files.map((f) => ({ ...f, content: f.content.replace(/%%/g, '%') }));
    expect(verify(broken).status).not.toBe(0);
  });

  it('with --command apply: runs fleet apply, may write only its run journal, and says to create it', () => {
    const spec = hostSchedule({ name: 'fleet-apply', user: 'fleet', run: { command: 'apply', inventories: ['/srv/fleet/inventory.yml'], limit: 'clients' } });
    const { files, nextSteps } = renderSystemd(spec, '/tmp/out');
    const s = unitSettings(files[0]?.content ?? '');
    expect(s.get('ExecStart')).toEqual(['/usr/bin/node /opt/fleet/bin/fleet.js apply /srv/fleet/inventory.yml --limit clients']);
    expect(s.get('Description')).toEqual(['fleet apply (scheduled convergence) of /srv/fleet/inventory.yml']);
    expect(s.get('ReadWritePaths')).toEqual(['/srv/fleet/.fleet']);
    expect(s.get('ProtectSystem')).toEqual(['strict']);
    expect(s.get('TimeoutStartSec')).toEqual(['15min']);
    expect(files[0]?.content).toContain('Exit status: 0 every host ok or changed, 4 failed or unreachable hosts');
    expect(nextSteps).toContain("sudo install -d -m 0700 -o fleet /srv/fleet/.fleet   # apply's run journal: the only place the unit may write");
    expect(unitSettings(files[1]?.content ?? '').get('Unit')).toEqual(['fleet-apply.service']);
  });

  it.skipIf(noAnalyze)('with --command apply passes systemd-analyze verify (skipped where /usr/bin/systemd-analyze is absent)', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'fleet sched apply %Z '));
    const fleet = path.join(root, 'fleet');
    copyFileSync('/bin/true', fleet);
    chmodSync(fleet, 0o755);
    mkdirSync(path.join(root, '.fleet'));
    const spec = hostSchedule({ name: 'fleet-apply-test', fleet: [fleet], workdir: root, run: { command: 'apply', inventories: [path.join(root, 'inv %Z.yml')], knownHosts: path.join(root, 'known hosts') } });
    const r = verify(renderSystemd(spec, undefined).files);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });
});
