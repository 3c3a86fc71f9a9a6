// The local run journal around real runs: a journal that cannot be written at the end of a run
// does not hide what was done on the hosts.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fleet, labInventory } from './fleet.js';
import { activeMirrors, readLab, resetClients } from './lab.js';

beforeEach(async () => {
  await resetClients();
}, 60_000);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => join(e.parentPath, e.name));
}

describe('run journal', () => {
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
