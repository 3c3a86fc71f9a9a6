// `fleet inventory` and -i through bin/fleet.js (run `npm run build` first; no hosts needed).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NomadStandIn, node, startNomadStandIn } from './nomad-stand-in.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(repo, 'bin', 'fleet.js');
const TOKEN = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
let dir: string;
let nomad: NomadStandIn;

/** Asynchronous: the Nomad stand-in answers from this process while fleet runs. */
function fleet(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const write = (name: string, content: string, mode = 0o644) => writeFileSync(path.join(dir, name), content, { mode });

beforeAll(async () => {
  if (!existsSync(path.join(repo, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  dir = mkdtempSync(path.join(tmpdir(), 'fleet-inventory-cli-'));
  nomad = await startNomadStandIn({ token: TOKEN, nodes: [node('i-0aa1', '10.0.1.11'), node('i-0aa2', '10.0.1.12'), node('i-0old', '10.0.1.13', { Status: 'down' })] });
  write('static-cache.yml', 'cache:\n  hosts:\n    cache-1: { ansible_host: 10.0.0.5, registry_proxy_username: me, registry_proxy_password: "{{ env.HUB_TOKEN }}" }\n');
  write('nomad.yml', `plugin: nomad\naddress: ${nomad.address}\nvars:\n  ansible_user: ubuntu\n`);
  // The same fleet in every other format.
  write('fleet.yml', 'cache:\n  hosts:\n    cache-1: { ansible_host: 10.0.0.5, registry_proxy_username: me, registry_proxy_password: "{{ env.HUB_TOKEN }}" }\nclients:\n  vars: { ansible_user: ubuntu }\n  hosts:\n    i-0aa1: { ansible_host: 10.0.1.11 }\n    i-0aa2: { ansible_host: 10.0.1.12 }\n');
  write('fleet.ini', '[cache]\ncache-1 ansible_host=10.0.0.5 registry_proxy_username=me registry_proxy_password="{{ env.HUB_TOKEN }}"\n[clients]\ni-0aa1 ansible_host=10.0.1.11\ni-0aa2 ansible_host=10.0.1.12\n[clients:vars]\nansible_user=ubuntu\n');
  write('fleet.sh', `#!/bin/sh\n[ "$1" = --list ] && cat '${path.join(dir, 'fleet.json')}'\n`, 0o755);
});
afterAll(async () => {
  await nomad.close();
});

describe('fleet inventory', { timeout: 120_000 }, () => {
  it('--list is the same for YAML, INI, JSON, a script and Nomad + a static cache file; secrets and the token never shown', async () => {
    const env = { HUB_TOKEN: 'dckr_pat_s3cret', NOMAD_TOKEN: TOKEN };
    const yaml = await fleet(['inventory', '-i', 'fleet.yml', '--list'], env);
    expect(yaml.status).toBe(0);
    expect(JSON.parse(yaml.stdout)._meta.hostvars['cache-1'].registry_proxy_password).toBe('***');
    // JSON as fleet printed it (the secret as an env reference, so that it loads again).
    write('fleet.json', yaml.stdout.replaceAll('"***"', '"{{ env.HUB_TOKEN }}"').replace('"registry_proxy_username": "{{ env.HUB_TOKEN }}"', '"registry_proxy_username": "me"'));
    const outputs = await Promise.all([
      fleet(['inventory', 'fleet.ini', '--list'], env),
      fleet(['inventory', '-i', 'fleet.json', '--list'], env),
      fleet(['inventory', '-i', 'fleet.sh', '--list'], env),
      fleet(['inventory', '-i', 'static-cache.yml', '-i', 'nomad.yml', '--list'], env),
    ]);
    for (const out of outputs) {
      expect(out.stderr.replace(/^fleet: .*left out: status down\n/m, '')).toBe('');
      expect(out.status).toBe(0);
      expect(JSON.parse(out.stdout)._meta).toEqual(JSON.parse(yaml.stdout)._meta);
      expect(out.stdout + out.stderr).not.toMatch(new RegExp(`s3cret|${TOKEN}`));
    }
    expect(outputs[3]!.stderr).toMatch(/^fleet: nomad.yml: Nomad node i-0old \(\w+\) left out: status down\n$/);
    expect(JSON.parse(outputs[3]!.stdout).all).toEqual({ children: ['ungrouped', 'cache', 'clients'] });
    expect(nomad.requests.every((r) => r.token === TOKEN)).toBe(true);
  });

  it('--graph and --host', async () => {
    const env = { HUB_TOKEN: 'x', NOMAD_TOKEN: TOKEN };
    const graph = await fleet(['inventory', '-i', 'static-cache.yml', '-i', 'nomad.yml', '--graph'], env);
    expect(graph.stdout).toBe('@all:\n  |--@ungrouped:\n  |--@cache:\n  |  |--cache-1\n  |--@clients:\n  |  |--i-0aa1\n  |  |--i-0aa2\n');
    const host = await fleet(['inventory', '-i', 'static-cache.yml', '-i', 'nomad.yml', '--host', 'i-0aa2'], env);
    expect(JSON.parse(host.stdout)).toEqual({ ansible_host: '10.0.1.12', ansible_user: 'ubuntu' });
    const missing = await fleet(['inventory', '-i', 'fleet.yml', '--host', 'nope'], env);
    expect([missing.status, missing.stderr]).toEqual([1, expect.stringContaining('--host "nope": no such host in fleet.yml')]);
  });

  it('exits 1 naming the address and the status when Nomad refuses, before anything else', async () => {
    const r = await fleet(['inventory', '-i', 'static-cache.yml', '-i', 'nomad.yml', '--list'], { HUB_TOKEN: 'x', NOMAD_TOKEN: 'not-the-token' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`fleet: invalid inventory:\nnomad.yml: the Nomad API at ${nomad.address} answered HTTP 403 Forbidden for GET /v1/nodes: "ACL token not found"\n`);
  });

  it('refuses a credential with a newline before contacting any host, naming the field with file:line', async () => {
    const contacted: string[] = [];
    const sshd = createServer((socket) => {
      contacted.push(String(socket.remoteAddress));
      socket.destroy();
    });
    await new Promise<void>((resolve) => sshd.listen(0, '127.0.0.1', resolve));
    const { port } = sshd.address() as AddressInfo;
    write('newline.ini', `[cache]\ncache-1 ansible_host=127.0.0.1 ansible_port=${port} registry_proxy_username=me registry_proxy_password="{{ env.HUB_TOKEN }}"\n[clients]\nclient-1 ansible_host=127.0.0.1 ansible_port=${port}\n`);
    try {
      const r = await fleet(['apply', '-i', 'newline.ini', '--known-hosts', path.join(dir, 'known_hosts')], { HUB_TOKEN: 'dckr_pat_s3cret\nREGISTRY_PROXY_REMOTEURL=http://evil.example' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^fleet: invalid inventory:\nnewline.ini:2:\d+: cache.hosts.cache-1.registry_proxy_password: must not contain control characters \(found a newline, U\+000A\)\n$/);
      expect(contacted).toEqual([]);
    } finally {
      sshd.close();
    }
  });

  it('apply and check take -i too, and refuse to start without an inventory', async () => {
    const none = await fleet(['check']);
    expect([none.status, none.stderr]).toEqual([1, expect.stringContaining('name an inventory: fleet check INVENTORY, or -i SOURCE (repeatable)')]);
    const bad = await fleet(['apply', '-i', 'static-cache.yml', '-i', 'nomad.yml', '--check'], { HUB_TOKEN: 'x', NOMAD_TOKEN: 'wrong' });
    expect([bad.status, bad.stderr]).toEqual([1, expect.stringContaining('answered HTTP 403 Forbidden')]);
  });
});
