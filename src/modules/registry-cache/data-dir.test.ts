import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSh } from '../../../test/unit/sh.js';
import { claimDataDirScript, isMarkedFor, markerContent, purgeDataDirScript, purgeRefusal, unusableReason, type DataDirFacts } from './data-dir.js';

const ID = '0123456789abcdef0123456789abcdef';
const marked = (dir: string, over: Partial<DataDirFacts> = {}): DataDirFacts => ({ state: 'registry', marker: markerContent(dir, ID), ...over });

describe('fleet\'s claim on the data dir', () => {
  it('is a marker written for this very path', () => {
    expect(isMarkedFor('/srv/cache', marked('/srv/cache'))).toBe(true);
    expect(isMarkedFor('/srv/cache', marked('/srv/elsewhere'))).toBe(false);
    expect(isMarkedFor('/srv/cache', marked('/srv/cache', { state: 'symlink' }))).toBe(false);
    expect(isMarkedFor('/srv/cache', { state: 'registry', marker: 'hello\n' })).toBe(false);
  });

  it('purge refuses anything but a marked directory, naming why', () => {
    expect(purgeRefusal('/var/lib', { state: 'other' })).toMatch(/not purging \/var\/lib: fleet did not create it \(no \.fleet-cache marker/);
    expect(purgeRefusal('/srv/link', { state: 'symlink' })).toMatch(/symlink/);
    expect(purgeRefusal('/srv/cache', marked('/srv/old'))).toMatch(/not written by fleet for this path/);
    expect(purgeRefusal('/srv/cache', marked('/srv/cache'))).toBeUndefined();
    expect(purgeRefusal('/srv/cache', { state: 'absent' })).toBeUndefined();
  });

  it('apply uses an absent, empty or registry-only directory, never one holding other files', () => {
    for (const state of ['absent', 'empty', 'registry'] as const) expect(unusableReason('/srv/c', { state })).toBeUndefined();
    expect(unusableReason('/var/lib', { state: 'other' })).toMatch(/not created by fleet/);
    expect(unusableReason('/srv/c', { state: 'not-dir' })).toMatch(/not a directory/);
    expect(unusableReason('/srv/c', marked('/srv/c', { state: 'other' }))).toBeUndefined();
  });
});

describe('claim and purge scripts (a real /bin/sh)', () => {
  it('claim creates the directory root-only with its marker; purge then deletes it', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fleet-dd-')), 'cache dir');
    expect(runSh({ script: claimDataDirScript(dir, ID) }).exitCode).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(dir, '.fleet-cache'), 'utf8')).toBe(markerContent(dir, ID));
    mkdirSync(join(dir, 'docker', 'registry'), { recursive: true });
    const purged = runSh({ script: purgeDataDirScript(dir) });
    expect(purged.exitCode, purged.stderr).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('claim never writes through a symlink', () => {
    const root = mkdtempSync(join(tmpdir(), 'fleet-dd-'));
    mkdirSync(join(root, 'target'));
    symlinkSync(join(root, 'target'), join(root, 'link'));
    expect(runSh({ script: claimDataDirScript(join(root, 'link'), ID) }).exitCode).toBe(1);
    const dir = join(root, 'cache');
    mkdirSync(dir);
    symlinkSync(join(root, 'victim'), join(dir, '.fleet-cache'));
    expect(runSh({ script: claimDataDirScript(dir, ID) }).exitCode).toBe(0);
    expect(existsSync(join(root, 'victim'))).toBe(false);
  });

  it('purge re-checks on the host: an unmarked dir, a symlink, a marker for another path stay', () => {
    const root = mkdtempSync(join(tmpdir(), 'fleet-dd-'));
    const plain = join(root, 'plain');
    mkdirSync(plain);
    writeFileSync(join(plain, 'keep-me'), 'x');
    const moved = join(root, 'moved');
    mkdirSync(moved);
    writeFileSync(join(moved, '.fleet-cache'), markerContent(join(root, 'original'), ID));
    const link = join(root, 'link');
    runSh({ script: claimDataDirScript(join(root, 'real'), ID) });
    symlinkSync(join(root, 'real'), link);
    for (const dir of [plain, moved, link]) {
      const result = runSh({ script: purgeDataDirScript(dir) });
      expect(result.exitCode, dir).toBe(1);
      expect(result.stderr).toMatch(/not purging/);
      expect(existsSync(dir)).toBe(true);
    }
    expect(existsSync(join(root, 'real', '.fleet-cache'))).toBe(true);
  });
});
