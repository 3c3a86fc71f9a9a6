// The benchmark runs from any checkout: its lab keeps state where bench hosts see the same files
// as the control node (not under the directories each host replaces with its own copy), and a
// refusal is one line with a non-zero exit, not a stack trace.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// What bench-host-init.sh mounts over inside every host.
const SHADOWED = ['/etc', '/usr/local/bin', '/run', '/tmp', '/var/log', '/home', '/root'];

describe('bench lab state', () => {
  it('lives outside the shadowed directories even for a checkout under /tmp', () => {
    const clone = mkdtempSync(path.join(tmpdir(), 'fleet-clone-'));
    cpSync(path.join(repo, 'test', 'bench'), path.join(clone, 'test', 'bench'), { recursive: true });
    const r = spawnSync('bash', [path.join(clone, 'test', 'bench', 'light-lab.sh'), 'state-dir'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(r.status, r.stderr).toBe(0);
    const state = r.stdout.trim();
    expect(state).toMatch(/^\//);
    for (const dir of SHADOWED) expect(`${state}/`.startsWith(`${dir}/`), `${state} under ${dir}`).toBe(false);
    expect(state.startsWith(clone)).toBe(false);
  });

  it.each([
    [['--bogus'], /^bench: Unknown option '--bogus'\n$/],
    [['--sizes', 'ten'], /^bench: --sizes: positive integers, got ten\n$/],
    [['--user', 'admin'], /^bench: --user must be deploy or root\n$/],
  ])('run.mjs %j refuses with one line and exit 2', (args, line) => {
    const r = spawnSync(process.execPath, [path.join(repo, 'test', 'bench', 'run.mjs'), ...args], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(line);
    expect(r.stdout).toBe('');
  });
});
