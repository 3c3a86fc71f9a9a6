// The same lab fleet described in YAML, INI, JSON, by an executable inventory, and by Nomad plus
// a static cache file: fleet resolves the same inventory from each, and apply, check and
// rollback behave the same on the real hosts. The Nomad stand-in (test/unit/nomad-stand-in.ts)
// lists the lab's clients as a Nomad server would; everything else is real.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NomadStandIn, node, startNomadStandIn } from '../unit/nomad-stand-in.js';
import { fleet, summaryOf } from './fleet.js';
import { type Lab, activeMirrors, hostSh, readLab, resetClients, resetHost } from './lab.js';

const CLIENTS = ['client-1', 'client-2', 'client-3'];
const TOKEN = '5e9b1c2d-3a4f-4b6c-8d7e-9f0a1b2c3d4e';
const dir = mkdtempSync(path.join(tmpdir(), 'fleet-e2e-sources-'));
let nomad: NomadStandIn;
let lab: Lab;

/** A fresh working directory (its own journal) for one form of the inventory. */
function workdir(name: string): string {
  const d = path.join(dir, 'runs', name);
  mkdirSync(d, { recursive: true });
  return d;
}

const at = (name: string) => path.join(dir, name);

beforeAll(async () => {
  lab = readLab();
  await resetHost('cache-1');
  await resetClients();
  const address = (h: string) => lab.hosts[h]!.address;
  const allVars = { ansible_user: 'root', ansible_ssh_private_key_file: lab.keyFile, registry_image: 'registry:2', registry_proxy_remoteurl: lab.hubUrl };

  writeFileSync(at('fleet.yml'), [
    'all:',
    '  vars:',
    ...Object.entries(allVars).map(([k, v]) => `    ${k}: ${v}`),
    '  children:',
    '    cache:',
    `      hosts: { cache-1: { ansible_host: ${address('cache-1')} } }`,
    '    clients:',
    '      hosts:',
    ...CLIENTS.map((c) => `        ${c}: { ansible_host: ${address(c)} }`),
    '',
  ].join('\n'));
  writeFileSync(at('fleet.ini'), [
    '[cache]',
    `cache-1 ansible_host=${address('cache-1')}`,
    '[clients]',
    ...CLIENTS.map((c) => `${c} ansible_host=${address(c)}`),
    '[all:vars]',
    ...Object.entries(allVars).map(([k, v]) => `${k}=${v}`),
    '',
  ].join('\n'));
  writeFileSync(at('fleet.json'), JSON.stringify({
    _meta: { hostvars: Object.fromEntries(['cache-1', ...CLIENTS].map((h) => [h, { ...allVars, ansible_host: address(h) }])) },
    all: { children: ['ungrouped', 'cache', 'clients'] },
    cache: { hosts: ['cache-1'] },
    clients: { hosts: CLIENTS },
  }, null, 2));
  // An executable inventory without _meta: fleet asks it for each host's vars.
  writeFileSync(at('fleet.sh'), [
    '#!/bin/sh',
    'case "$1" in',
    `  --list) echo '${JSON.stringify({ cache: { hosts: ['cache-1'] }, clients: { hosts: CLIENTS }, all: { vars: allVars } })}' ;;`,
    '  --host) case "$2" in',
    ...['cache-1', ...CLIENTS].map((h) => `    ${h}) echo '{"ansible_host": "${address(h)}"}' ;;`),
    '  esac ;;',
    'esac',
    '',
  ].join('\n'), { mode: 0o755 });

  nomad = await startNomadStandIn({
    token: TOKEN,
    nodes: [
      ...CLIENTS.map((c) => node(c, address(c))),
      // Never contacted: left out before any connection.
      node('client-gone', '10.77.250.1', { Status: 'down' }),
      node('client-draining', '10.77.250.2', { Drain: true, SchedulingEligibility: 'ineligible' }),
    ],
  });
  writeFileSync(at('static-cache.yml'), [
    'all:',
    '  vars:',
    ...Object.entries(allVars).map(([k, v]) => `    ${k}: ${v}`),
    'cache:',
    `  hosts: { cache-1: { ansible_host: ${address('cache-1')} } }`,
    '',
  ].join('\n'));
  writeFileSync(at('nomad.yml'), ['plugin: nomad', `address: ${nomad.address}`, 'token: "{{ env.NOMAD_TOKEN }}"', 'vars:', '  ansible_user: root', ''].join('\n'));
}, 120_000);

afterAll(async () => {
  await nomad?.close();
  await resetClients();
}, 60_000);

const FORMS: Record<string, string[]> = {
  yaml: [at('fleet.yml')],
  ini: ['-i', at('fleet.ini')],
  json: ['-i', at('fleet.json')],
  script: ['-i', at('fleet.sh')],
  nomad: ['-i', at('static-cache.yml'), '-i', at('nomad.yml')],
};
const ENV = { NOMAD_TOKEN: TOKEN };

describe('one lab fleet, five inventory forms', () => {
  it('fleet inventory --list prints the same inventory for every form', async () => {
    const outputs = await Promise.all(Object.values(FORMS).map((args) => fleet(dir, ['inventory', ...args, '--list'], ENV)));
    for (const out of outputs) expect(out.code, out.stderr).toBe(0);
    for (const out of outputs.slice(1)) expect(out.stdout).toBe(outputs[0]!.stdout);
    expect(outputs[4]!.stderr).toMatch(/client-gone \(\w+\) left out: status down/);
    expect(outputs[4]!.stderr).toMatch(/client-draining \(\w+\) left out: draining/);
    expect(nomad.requests.length).toBeGreaterThan(0);
    expect(nomad.requests.every((r) => r.token === TOKEN && r.path === '/v1/nodes')).toBe(true);
  });

  it('apply, check and rollback behave the same from INI, a script and Nomad + a static cache file', async () => {
    // The cache first (from YAML), so that every form below finds it in sync.
    const setup = await fleet(workdir('setup'), ['apply', ...FORMS.yaml!, '--json']);
    expect(setup.code, setup.stderr).toBe(0);
    const outcomes = (r: Awaited<ReturnType<typeof fleet>>) => summaryOf(r).hosts.map((h) => [h.host, h.status]).sort();
    const seen: Record<string, unknown> = {};
    for (const form of ['yaml', 'ini', 'script', 'nomad']) {
      await resetClients();
      const cwd = workdir(form);
      const apply = await fleet(cwd, ['apply', ...FORMS[form]!, '--json'], ENV);
      expect(apply.code, `${form}: ${apply.stderr}`).toBe(0);
      for (const c of CLIENTS) expect(await activeMirrors(c)).toEqual([`http://${lab.hosts['cache-1']!.address}/`]);
      const check = await fleet(cwd, ['check', ...FORMS[form]!, '--json'], ENV);
      expect(check.code, `${form}: ${check.stdout}`).toBe(0);
      // Rollback names no inventory: the journal gives the sources of the last apply.
      const rollback = await fleet(cwd, ['rollback', '--json'], ENV);
      expect(rollback.code, `${form}: ${rollback.stderr}`).toBe(0);
      expect(rollback.stderr).toContain(`(inventory ${FORMS[form]!.filter((a) => a !== '-i').join(', ')})`);
      for (const c of CLIENTS) expect(await activeMirrors(c)).toEqual([]);
      seen[form] = { apply: outcomes(apply), check: JSON.parse(check.stdout).hosts.map((h: { host: string; status: string }) => [h.host, h.status]).sort(), rollback: outcomes(rollback) };
    }
    expect(seen.yaml).toEqual({
      apply: [['cache-1', 'ok'], ['client-1', 'changed'], ['client-2', 'changed'], ['client-3', 'changed']],
      check: [['cache-1', 'in-sync'], ['client-1', 'in-sync'], ['client-2', 'in-sync'], ['client-3', 'in-sync']],
      rollback: [['client-1', 'changed'], ['client-2', 'changed'], ['client-3', 'changed']],
    });
    for (const form of ['ini', 'script', 'nomad']) expect(seen[form], form).toEqual(seen.yaml);
  });

  it('check names every source in the command that fixes drift', async () => {
    await resetClients();
    const cwd = workdir('drift');
    expect((await fleet(cwd, ['apply', ...FORMS.nomad!], ENV)).code).toBe(0);
    await hostSh('client-2', 'printf "{}" > /etc/docker/daemon.json');
    const check = await fleet(cwd, ['check', ...FORMS.nomad!, '--json'], ENV);
    expect(check.code, check.stderr).toBe(2);
    expect(JSON.parse(check.stdout).fix).toBe(`fleet apply -i ${at('static-cache.yml')} -i ${at('nomad.yml')} --limit client-2`);
  });
});
