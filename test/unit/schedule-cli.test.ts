// `fleet schedule` end to end through bin/fleet.js (run `npm run build` first; no hosts needed).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(repo, 'bin', 'fleet.js');
let dir: string;

function fleet(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'schedule', ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(path.join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  dir = mkdtempSync(path.join(tmpdir(), 'fleet-schedule-cli-'));
  copyFileSync(path.join(repo, 'test', 'fixtures', 'inventory', 'example.yml'), path.join(dir, 'inventory.yml'));
  writeFileSync(path.join(dir, 'env.yml'), readFileSync(path.join(dir, 'inventory.yml'), 'utf8').replace('ansible_become: true', 'ansible_become: true\n    registry_proxy_password: "{{ env.HUB_TOKEN }}"\n    registry_proxy_username: "{{ env.HUB_USER }}"'));
  writeFileSync(path.join(dir, 'known_hosts'), '');
});

// Each run starts a node process: on a busy machine that takes seconds, hence the timeout.
describe('fleet schedule', { timeout: 120_000 }, () => {
  it('prints the systemd units with a header each, running this fleet by absolute path', () => {
    const r = fleet('inventory.yml', '--every', '1h30m', '--format', 'systemd', '--environment-file', '/etc/fleet/check.env');
    expect(r.stderr).toContain('sudo systemctl daemon-reload && sudo systemctl enable --now fleet-check.timer');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^# ==> fleet-check.service <==\n/);
    expect(r.stdout).toContain('\n# ==> fleet-check.timer <==\n');
    expect(r.stdout).toContain(`ExecStart=${process.execPath} ${realpathSync(bin)} check ${path.join(realpathSync(dir), 'inventory.yml')}\n`);
    expect(r.stdout).toContain('EnvironmentFile=/etc/fleet/check.env');
    expect(r.stdout).toContain('OnUnitActiveSec=1h 30min');
  });

  it('with --command apply schedules fleet apply, named fleet-apply', () => {
    const r = fleet('inventory.yml', '--every', '30m', '--format', 'systemd', '--command', 'apply');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^# ==> fleet-apply.service <==\n/);
    expect(r.stdout).toContain(`ExecStart=${process.execPath} ${realpathSync(bin)} apply ${path.join(realpathSync(dir), 'inventory.yml')}\n`);
    expect(r.stdout).toContain(`ReadWritePaths=${path.join(realpathSync(dir), '.fleet')}\n`);
    expect(r.stderr).toContain('sudo systemctl daemon-reload && sudo systemctl enable --now fleet-apply.timer');
    const refused = fleet('inventory.yml', '--every', '30m', '--format', 'cron', '--command', 'apply', '--prometheus', 'x.prom');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('--prometheus applies to --command check only');
  });

  it('names the environment variables the inventory needs at run time', () => {
    const r = fleet('env.yml', '--every', '15m', '--format', 'cron');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('note: the inventory reads HUB_TOKEN, HUB_USER from the environment, unset here');
  });

  it('writes files with --out, leaves identical ones alone and refuses to replace edited ones without --force', () => {
    const out = path.join(dir, 'units');
    const args = ['inventory.yml', '--every', '6h', '--format', 'circleci', '--known-hosts', 'known_hosts', '--out', out];
    const first = fleet(...args);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`wrote     ${path.join(out, 'config.yml')}`);
    expect(first.stdout).toContain('git add');
    expect(fleet(...args).stdout).toContain(`unchanged ${path.join(out, 'config.yml')}`);
    writeFileSync(path.join(out, 'config.yml'), 'version: 2.1\n');
    const refused = fleet(...args);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('already exists with other content; nothing was written (--force replaces)');
    expect(readFileSync(path.join(out, 'config.yml'), 'utf8')).toBe('version: 2.1\n');
    expect(fleet(...args, '--force').stdout).toContain(`replaced  ${path.join(out, 'config.yml')}`);
    expect(readFileSync(path.join(out, 'config.yml'), 'utf8')).toContain('store_artifacts');
  });

  it('for CircleCI, makes paths relative to the enclosing git repository by default', () => {
    const repoDir = mkdtempSync(path.join(tmpdir(), 'fleet-schedule-repo-'));
    mkdirSync(path.join(repoDir, '.git'));
    mkdirSync(path.join(repoDir, 'ops'));
    copyFileSync(path.join(dir, 'inventory.yml'), path.join(repoDir, 'ops', 'inventory.yml'));
    writeFileSync(path.join(repoDir, 'ops', 'known_hosts'), '');
    const r = spawnSync(process.execPath, [bin, 'schedule', 'inventory.yml', '--every', '1d', '--format', 'circleci', '--known-hosts', 'known_hosts'], {
      cwd: path.join(repoDir, 'ops'),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('fleet check ops/inventory.yml --known-hosts ops/known_hosts --json');
  });

  it('passes several sources on as repeated -i, checking dynamic ones without running or asking them', () => {
    const marker = path.join(dir, 'script-ran');
    writeFileSync(path.join(dir, 'clients.sh'), `#!/bin/sh\ntouch ${marker}\necho '{}'\n`, { mode: 0o755 });
    // A Nomad address nothing listens on: asking it would fail the render.
    writeFileSync(path.join(dir, 'nomad.yml'), 'plugin: nomad\naddress: http://127.0.0.1:9\ntoken: "{{ env.NOMAD_TOKEN }}"\n');
    writeFileSync(path.join(dir, 'cache.yml'), 'cache:\n  hosts: { cache-1: { ansible_host: 192.0.2.1 } }\n');
    const r = fleet('-i', 'cache.yml', '-i', 'nomad.yml', '-i', 'clients.sh', '--every', '15m', '--format', 'cron');
    expect(r.stderr).toContain('note: the inventory reads NOMAD_TOKEN from the environment, unset here');
    expect(r.status).toBe(0);
    const real = realpathSync(dir);
    expect(r.stdout).toContain(`check -i ${path.join(real, 'cache.yml')} -i ${path.join(real, 'nomad.yml')} -i ${path.join(real, 'clients.sh')} --json`);
    expect(existsSync(marker)).toBe(false);
  });

  it('exits 1 with a clear message on usage and inventory errors', () => {
    const cases: Array<[string[], RegExp]> = [
      [['inventory.yml', '--format', 'cron'], /Missing required argument: every/],
      [['inventory.yml', '--every', '15m', '--format', 'launchd'], /Invalid values:[\s\S]*format/],
      [['inventory.yml', '--every', '45m', '--format', 'cron'], /--every 45m cannot be expressed in cron/],
      [['missing.yml', '--every', '15m', '--format', 'cron'], /missing.yml: cannot read inventory/],
      [['inventory.yml', '--every', '15m', '--format', 'systemd', '--fleet-bin', '/nonexistent/fleet'], /--fleet-bin: \/nonexistent\/fleet is not an executable file/],
      [['inventory.yml', '--every', '15m', '--format', 'circleci'], /needs --known-hosts FILE/],
      [['inventory.yml', '--every', '15m', '--every', '1h', '--format', 'cron'], /--every was given more than once/],
    ];
    for (const [args, message] of cases) {
      const r = fleet(...args);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
    }
  });
});

describe('fleet schedule --format kubernetes', { timeout: 120_000 }, () => {
  const secret = 'hub-token-s3cr3t-9f1c';
  const k8s = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, 'schedule', ...args, '--every', '15m', '--format', 'kubernetes', '--image', 'registry.example.com/fleet:0.1.0'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dir, HUB_TOKEN: secret, HUB_USER: 'robot' },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('renders the CronJob with the inventory read here; variables become Secret keys, their values never appear', () => {
    const r = k8s('env.yml', '--known-hosts', 'known_hosts', '--shards', '2');
    expect(r.stderr).not.toContain('error');
    expect(r.status).toBe(0);
    const all = r.stdout + r.stderr;
    expect(all).not.toContain(secret);
    expect(all).not.toContain('robot');
    expect(r.stdout).toContain('key: HUB_TOKEN');
    expect(r.stdout).toContain('key: HUB_USER');
    expect(r.stdout).toContain('  env.yml: |\n');
    expect(r.stdout).toMatch(/for \d+ hosts per shard \(counted in the inventory\)/);
    expect(r.stderr).toContain('create secret generic fleet-check-env --from-env-file=fleet-check.env');
  });

  it('needs --known-hosts, and --hosts-per-shard for sources it cannot count here', () => {
    const noKnownHosts = k8s('inventory.yml');
    expect(noKnownHosts.status).toBe(1);
    expect(noKnownHosts.stderr).toContain('--format kubernetes needs --known-hosts FILE');
    writeFileSync(path.join(dir, 'nodes.mjs'), '#!/usr/bin/env node\nconsole.log("{}")\n', { mode: 0o755 });
    const script = k8s('-i', 'inventory.yml', '-i', 'nodes.mjs', '--known-hosts', 'known_hosts');
    expect(script.status).toBe(1);
    expect(script.stderr).toContain('give --hosts-per-shard N');
    const given = k8s('-i', 'inventory.yml', '-i', 'nodes.mjs', '--known-hosts', 'known_hosts', '--hosts-per-shard', '400');
    expect(given.status).toBe(0);
    expect(given.stdout).toContain('path: nodes.mjs\n                    mode: 365');
    expect(given.stdout).toContain('- /etc/fleet/inventory/inventory.yml\n                - -i\n                - /etc/fleet/inventory/nodes.mjs');
  });
});
