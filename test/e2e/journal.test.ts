// The local run journal around real runs: one run at a time per journal directory, and a
// journal that cannot be written at the end of a run does not hide what was done on the hosts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fleet, labInventory, summaryOf } from './fleet.js';
import { activeMirrors, hostExec, hostSh, readLab, resetClients } from './lab.js';

const WRAPPER = '/usr/local/sbin/systemctl';

beforeEach(async () => {
  await resetClients();
}, 60_000);

afterEach(async () => {
  await hostSh('client-1', `rm -f ${WRAPPER} /run/fleet-test-*`);
});

async function until(what: string, test: () => Promise<boolean>, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => join(e.parentPath, e.name));
}

describe('run journal', () => {
  it('a second run on the same journal refuses at once, naming the holder; the first finishes', async () => {
    // client-1's reload waits until the test says go: the first run holds the journal meanwhile.
    const hold = ['#!/bin/sh', 'if [ "$1" = reload ]; then touch /run/fleet-test-entered; while [ ! -e /run/fleet-test-go ]; do sleep 0.1; done; fi', 'exec /usr/bin/systemctl "$@"', ''].join('\n');
    await hostSh('client-1', `cat > ${WRAPPER} && chmod 755 ${WRAPPER}`, hold);
    const { dir, file } = labInventory();
    const first = fleet(dir, ['apply', file, '--json']);
    try {
      await until('the first run to reach the reload on client-1', async () => (await hostExec('client-1', 'test -e /run/fleet-test-entered')).code === 0);
      const started = Date.now();
      const second = await fleet(dir, ['apply', file, '--json']);
      expect(second.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(second.stdout).toBe('');
      expect(second.stderr).toMatch(/journal .* is in use by another fleet run: pid \d+ on /);
      expect(second.stderr).toContain(`on ${hostname()}`);
      expect(second.stderr).toMatch(/fleet apply .*inventory\.yml/);
      expect(second.stderr).toMatch(/started \d{4}-\d\d-\d\dT/);
      expect(second.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    } finally {
      await hostSh('client-1', 'touch /run/fleet-test-go');
    }
    const done = await first;
    expect(done.code, done.stdout).toBe(0);
    expect(filesUnder(join(dir, '.fleet')).map((f) => f.slice(dir.length))).not.toContain('/.fleet/lock');
  });

  it('takes over the lock of a run that died, with a note', async () => {
    const { dir, file } = labInventory();
    const dead = spawnSync('true').pid!; // a process that has exited
    mkdirSync(join(dir, '.fleet'), { mode: 0o700 });
    writeFileSync(join(dir, '.fleet', 'lock'), JSON.stringify({ pid: dead, host: hostname(), command: 'fleet apply old.yml', startedAt: '2020-01-01T00:00:00.000Z' }));
    const result = await fleet(dir, ['apply', file]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`stale lock .*pid ${dead}.* no longer running`));
  });

  it('a journal that cannot be written at the end is a run problem (exit 4): recap printed, hosts done, no temp files', async () => {
    const { dir, file } = labInventory();
    // A directory where the journal writes a file at the end of the run.
    mkdirSync(join(dir, '.fleet', 'last-run.json'), { recursive: true, mode: 0o700 });
    const result = await fleet(dir, ['apply', file]);
    expect(result.code, result.stdout + result.stderr).toBe(4);
    expect(result.stdout).toMatch(/RECAP\n/);
    expect(result.stdout).toMatch(/client-1 +: changed/);
    expect(result.stdout).toMatch(/RUN FAILED: the run journal could not be completed: .*last-run\.json/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(await activeMirrors('client-1')).toEqual([`${readLab().mirrorUrl}/`]);
    expect(filesUnder(join(dir, '.fleet')).filter((f) => /tmp/.test(f.slice(dir.length)))).toEqual([]);
  });

  it('keeps .fleet private, tightening a directory made by hand', async () => {
    const { dir, file } = labInventory();
    mkdirSync(join(dir, '.fleet'), { mode: 0o755 });
    const result = await fleet(dir, ['apply', file, '--check']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(statSync(join(dir, '.fleet')).mode & 0o777).toBe(0o700);
  });
});
