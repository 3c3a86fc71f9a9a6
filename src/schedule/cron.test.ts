import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gaps, weeklyFirings } from '../../test/unit/cron-fields.js';
import { hostSchedule } from '../../test/unit/schedule-specs.js';
import { LOCK_BUSY_EXIT, renderCron } from './cron.js';
import type { HostSchedule } from './spec.js';

/** The entry line of a rendered cron file, split into time fields, user (cron.d) and command. */
function entry(content: string, cronD: boolean): { fields: string; user?: string; command: string } {
  const lines = content.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  expect(lines).toHaveLength(1);
  const words = (lines[0] as string).split(' ');
  const fields = words.slice(0, 5).join(' ');
  return cronD ? { fields, user: words[5] as string, command: words.slice(6).join(' ') } : { fields, command: words.slice(5).join(' ') };
}

/** What cron does to the command field: `\%` -> `%`; an unescaped `%` would end the command. */
function cronUnescape(command: string): string {
  expect(command.replace(/\\%/g, '')).not.toContain('%');
  return command.replace(/\\%/g, '%');
}

/**
 * A sandbox whose paths carry spaces, quotes and %, with a fake fleet that records its argv,
 * its working directory and one variable of the env file, prints a JSON report and exits with
 * the status given in $FAKE_EXIT; and a fake logger.
 */
function sandbox(exit: number) {
  const root = mkdtempSync(path.join(tmpdir(), "fleet cron 100% it's "));
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  const fleet = path.join(bin, 'fleet');
  writeFileSync(fleet, `#!/bin/sh\n{ pwd; printf '%s\\n' "$@"; echo "token=$FLEET_TEST_TOKEN"; } > "$RECORD"\necho '{"summary":{}}'\nexit ${exit}\n`);
  chmodSync(fleet, 0o755);
  writeFileSync(path.join(bin, 'logger'), '#!/bin/sh\nprintf \'%s\\n\' "$*" > "$LOGGED"\n');
  chmodSync(path.join(bin, 'logger'), 0o755);
  const envFile = path.join(root, 'check %s.env');
  writeFileSync(envFile, 'FLEET_TEST_TOKEN=s3cret\n');
  const spec: HostSchedule = hostSchedule({
    format: 'cron',
    fleet: [fleet],
    workdir: root,
    envFile,
    report: path.join(root, 'report %d.json'),
    run: { command: 'check', inventories: [path.join(root, "inv 100%.yml")], limit: '!nomad-1,$HOME', prometheus: path.join(root, 'fleet.prom') },
  });
  const env = { PATH: `${bin}:/usr/bin:/bin`, RECORD: path.join(root, 'record'), LOGGED: path.join(root, 'logged') };
  return { root, spec, env };
}

describe('cron', () => {
  it('a crontab line without a user field, or an /etc/cron.d file with one', () => {
    const line = renderCron(hostSchedule({ format: 'cron' }), '/tmp/out');
    expect(line.files[0]?.name).toBe('fleet-check.crontab');
    expect(entry(line.files[0]?.content ?? '', false).command).toMatch(/^flock -n -E 75 /);
    expect(line.nextSteps[0]).toContain('(crontab -l 2>/dev/null; cat /tmp/out/fleet-check.crontab) | crontab -');
    const d = renderCron(hostSchedule({ format: 'cron', user: 'fleet' }), '/tmp/out');
    expect(d.files[0]?.name).toBe('fleet-check'); // run-parts naming: no dot, or cron ignores it
    expect(entry(d.files[0]?.content ?? '', true).user).toBe('fleet');
    expect(d.nextSteps[0]).toBe('sudo install -m 0644 -o root -g root /tmp/out/fleet-check /etc/cron.d/fleet-check');
  });

  it('has five valid time fields firing exactly every interval', () => {
    for (const minutes of [1, 5, 15, 30, 60, 120, 360, 1440, 10080]) {
      const { fields } = entry(renderCron(hostSchedule({ format: 'cron', everySeconds: minutes * 60 }), undefined).files[0]?.content ?? '', false);
      expect(new Set(gaps(weeklyFirings(fields))), fields).toEqual(new Set([minutes]));
    }
  });

  it('refuses intervals cron cannot express', () => {
    expect(() => renderCron(hostSchedule({ format: 'cron', everySeconds: 45 * 60 }), undefined)).toThrow(/cannot be expressed in cron/);
  });

  it('refuses a command longer than cron reads', () => {
    const long = `/srv/${'x'.repeat(300)}`;
    expect(() => renderCron(hostSchedule({ format: 'cron', workdir: long, report: `${long}/r.json` }), undefined)).toThrow(/characters, more than cron reads/);
  });

  it.skipIf(!existsSync('/usr/bin/flock'))('runs fleet check with the exact arguments, the env file exported, and keeps the report (skipped where flock is absent)', () => {
    const { root, spec, env } = sandbox(0);
    const command = cronUnescape(entry(renderCron(spec, undefined).files[0]?.content ?? '', false).command);
    const r = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', env, cwd: '/' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(env.RECORD, 'utf8')).toBe(
      [root, 'check', spec.run.inventories[0]!, '--limit', '!nomad-1,$HOME', '--prometheus', path.join(root, 'fleet.prom'), '--json', 'token=s3cret', ''].join('\n'),
    );
    expect(readFileSync(spec.report, 'utf8')).toBe('{"summary":{}}\n');
    expect(existsSync(`${spec.report}.tmp`)).toBe(false);
  });

  it.skipIf(!existsSync('/usr/bin/flock'))('makes a non-zero exit visible on stderr and in syslog, and still keeps the report (skipped where flock is absent)', () => {
    const { spec, env } = sandbox(2);
    const command = cronUnescape(entry(renderCron(spec, undefined).files[0]?.content ?? '', false).command);
    const r = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', env });
    expect(r.stderr).toMatch(/^fleet check exited 2 \(2 drift/);
    expect(readFileSync(env.LOGGED, 'utf8')).toMatch(/^-t fleet-check fleet check exited 2 /);
    expect(readFileSync(spec.report, 'utf8')).toBe('{"summary":{}}\n');
  });

  it.skipIf(!existsSync('/usr/bin/flock'))('skips a run while the previous one holds the lock, and says so (skipped where flock is absent)', () => {
    const { spec, env } = sandbox(0);
    const command = cronUnescape(entry(renderCron(spec, undefined).files[0]?.content ?? '', false).command);
    // Hold the lock (as a running check would) while cron's command runs.
    const r = spawnSync('flock', [`${spec.report}.lock`, '/bin/sh', '-c', command], { encoding: 'utf8', env });
    expect(r.stderr).toContain(`fleet check exited ${LOCK_BUSY_EXIT} `);
    expect(existsSync(env.RECORD)).toBe(false);
  });

  it.skipIf(!existsSync('/usr/bin/flock'))('an unreadable env file is an error (1), never mistaken for drift (skipped where flock is absent)', () => {
    const { spec, env } = sandbox(0);
    const command = cronUnescape(entry(renderCron({ ...spec, envFile: `${spec.envFile}.missing` }, undefined).files[0]?.content ?? '', false).command);
    const r = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', env });
    expect(r.stderr).toContain('fleet check exited 1 ');
    expect(existsSync(env.RECORD)).toBe(false);
  });

  it.skipIf(!existsSync('/usr/bin/flock'))('with --command apply: runs fleet apply, keeps its NDJSON, and names apply\'s exit codes (skipped where flock is absent)', () => {
    const { root, spec: checkSpec, env } = sandbox(4);
    const spec: HostSchedule = { ...checkSpec, name: 'fleet-apply', run: { command: 'apply', inventories: [path.join(root, 'inv.yml')], limit: 'clients' } };
    const content = renderCron(spec, undefined).files[0]?.content ?? '';
    expect(content).toMatch(/^# fleet-apply: fleet apply \(scheduled convergence\) of /);
    const r = spawnSync('/bin/sh', ['-c', cronUnescape(entry(content, false).command)], { encoding: 'utf8', env });
    expect(readFileSync(env.RECORD, 'utf8')).toBe([root, 'apply', spec.run.inventories[0]!, '--limit', 'clients', '--json', 'token=s3cret', ''].join('\n'));
    expect(r.stderr).toBe('fleet apply exited 4 (4 failed or unreachable hosts or a failed run, 1 error, 75 previous apply still running)\n');
    expect(readFileSync(env.LOGGED, 'utf8')).toMatch(/^-t fleet-apply fleet apply exited 4 /);
    expect(readFileSync(spec.report, 'utf8')).toBe('{"summary":{}}\n');
  });
});
