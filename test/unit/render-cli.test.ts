// `fleet render boot-hook` end to end through bin/fleet.js (run `npm run build` first; no hosts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootHookFiles } from '../../src/modules/boot-hook/files.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(repo, 'bin', 'fleet.js');
let dir: string;

const inventory = (clients: string) => `all:
  vars:
    ansible_user: root
  children:
    cache:
      hosts:
        cache-1: { ansible_host: 10.0.0.5 }
    clients:
      hosts:
${clients}
`;

function fleet(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'render', ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(path.join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  dir = mkdtempSync(path.join(tmpdir(), 'fleet-render-cli-'));
  writeFileSync(path.join(dir, 'same.yml'), inventory('        nomad-1: { ansible_host: 10.0.1.1 }\n        nomad-2: { ansible_host: 10.0.1.2 }'));
  writeFileSync(path.join(dir, 'mixed.yml'), inventory('        nomad-1: { ansible_host: 10.0.1.1 }\n        gpu-1: { ansible_host: 10.0.2.1, mirror_url: "http://10.0.0.9:5000" }'));
});

describe('fleet render boot-hook', { timeout: 120_000 }, () => {
  it('writes the script and the drop-in under DIR at their absolute paths, with their modes, byte-identical to what apply installs', () => {
    const out = path.join(dir, 'hook');
    const r = fleet('boot-hook', '-i', 'same.yml', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const expected = bootHookFiles({ daemonJsonPath: '/etc/docker/daemon.json', mirrors: ['http://10.0.0.5'] });
    for (const file of [expected.script, expected.dropIn]) {
      const written = path.join(out, file.path);
      expect(readFileSync(written, 'utf8')).toBe(file.content);
      expect(statSync(written).mode & 0o777).toBe(file.mode);
      expect(r.stdout).toContain(`install -D -o root -g root -m ${file.mode.toString(8).padStart(4, '0')} ${written} ${file.path}`);
    }
    expect(readFileSync(path.join(out, 'etc/systemd/system/docker.service.d/fleet-mirrors.conf'), 'utf8')).toContain('\nExecStartPre=-/bin/sh /usr/local/sbin/fleet-docker-mirrors\n');
    // the positional inventory works as well, and an identical render changes nothing
    expect(fleet('boot-hook', 'same.yml', '--out', out).stdout).toMatch(/^unchanged .*fleet-docker-mirrors\nunchanged /);
  });

  it('prints the files when no --out is given', () => {
    const r = fleet('boot-hook', 'same.yml');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^# ==> \/usr\/local\/sbin\/fleet-docker-mirrors <==\n#!\/bin\/sh\n/);
    expect(r.stdout).toContain('\n# ==> /etc/systemd/system/docker.service.d/fleet-mirrors.conf <==\n');
  });

  it('refuses clients with different mirrors, naming them, and renders one group with --limit', () => {
    const refused = fleet('boot-hook', '-i', 'mixed.yml');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('mirrors ["http://10.0.0.5"] in /etc/docker/daemon.json: nomad-1');
    expect(refused.stderr).toContain('mirrors ["http://10.0.0.9:5000"] in /etc/docker/daemon.json: gpu-1');
    expect(refused.stderr).toContain('--limit');
    const gpu = fleet('boot-hook', '-i', 'mixed.yml', '--limit', 'gpu-*');
    expect(gpu.status).toBe(0);
    expect(gpu.stdout).toContain(`FLEET_HOOK_DATA='{"daemonJson":"/etc/docker/daemon.json","mirrors":["http://10.0.0.9:5000"]}'`);
  });

  it('exits 1 on usage and inventory errors', () => {
    const cases: Array<[string[], RegExp]> = [
      [['boot-hook'], /name an inventory/],
      // several sources are read together, as by every command: mixed.yml's clients then differ
      [['boot-hook', 'same.yml', '-i', 'mixed.yml'], /do not all get the same mirrors/],
      [['boot-hook', 'missing.yml'], /missing.yml: cannot read inventory/],
      [['boot-hook', 'same.yml', '--limit', 'cache-1'], /no client selected/],
      [['units', 'same.yml'], /Invalid values/],
    ];
    for (const [args, message] of cases) {
      const r = fleet(...args);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.status, args.join(' ')).toBe(1);
    }
  });
});
