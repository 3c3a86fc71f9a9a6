import { describe, expect, it } from 'vitest';
import { type FieldProblem, InventoryError } from '../../core/errors.js';
import type { Host, Inventory } from '../model.js';
import { normalise } from '../normalise.js';
import type { RawSource } from '../raw.js';
import { readYamlInventory } from '../yaml-source.js';
import { YamlDoc } from '../yaml-doc.js';
import { expandRanges, parseHostPattern } from './host-pattern.js';
import { readIniInventory } from './ini-source.js';
import { shlexSplit } from './shlex.js';

const FILE = '/srv/inv/hosts.ini';

const ini = (lines: string[]): RawSource => readIniInventory(`${lines.join('\n')}\n`, FILE);
const load = (lines: string[], env: NodeJS.ProcessEnv = {}): Inventory => normalise([ini(lines)], { env });

function problems(lines: string[], env: NodeJS.ProcessEnv = {}): FieldProblem[] {
  try {
    load(lines, env);
  } catch (err) {
    if (err instanceof InventoryError) return [...err.problems];
    throw err;
  }
  throw new Error('expected an InventoryError');
}

function host(inv: Inventory, name: string): Host {
  const h = inv.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name}`);
  return h;
}

const CACHE = ['[cache]', 'cache-1 ansible_host=192.0.2.1'];

describe('INI inventories', () => {
  it('reads groups, ranges, ports, inline and group vars, children and comments', () => {
    const inv = load([
      '# fleet inventory',
      '; another comment style',
      ...CACHE,
      '',
      '[nomad]',
      'nomad-[01:03] ansible_port=2222 ansible_become=true   # inline comment',
      'build-[a:c]',
      '10.0.0.[8:12:2]',
      'db:2200',
      '',
      '[nomad:vars]',
      'ansible_user = ubuntu',
      "mirror_allow_cidrs=['10.0.0.0/8']",
      '',
      '[clients:children]',
      'nomad',
      '',
      '[all:vars]',
      'ansible_python_interpreter=/usr/bin/python3',
    ]);
    expect(inv.clients.map((h) => h.name)).toEqual([
      'nomad-01', 'nomad-02', 'nomad-03', 'build-a', 'build-b', 'build-c', '10.0.0.8', '10.0.0.10', '10.0.0.12', 'db',
    ]);
    expect(host(inv, 'nomad-02').vars).toEqual({
      ansible_python_interpreter: '/usr/bin/python3',
      ansible_user: 'ubuntu',
      mirror_allow_cidrs: ['10.0.0.0/8'],
      ansible_port: 2222,
      ansible_become: true,
    });
    expect(host(inv, 'db').ssh).toMatchObject({ address: 'db', port: 2200, user: 'ubuntu' });
    expect(host(inv, '10.0.0.10').ssh.address).toBe('10.0.0.10');
    expect(host(inv, 'build-b').groups).toEqual(['all', 'nomad', 'clients']);
    expect(host(inv, 'nomad-01').line).toBe(7);
    expect(inv.tree.get('all')?.children).toEqual(['cache', 'clients']);
    expect(inv.tree.get('clients')).toEqual({ hosts: [], children: ['nomad'] });
  });

  it('types inline values as Python literals after shell-like splitting, and [group:vars] values as written', () => {
    const raw = ini([
      'h1 a=2222 b=true c=True d=\'[1, "x y"]\' e="a b" f=0x10 g=010 h=None q=\'p#w\' r="\\"quoted\\"" pw=ab#c not=read',
      '[ungrouped:vars]',
      'p=2222',
      's="quoted"',
      't = spaced value  # kept',
    ]);
    const vars = (name: string) => Object.fromEntries([...(name === 'h1' ? raw.hosts.get('h1')!.vars : raw.groups.get(name)!.vars)].map((v) => [v.name, v.value.value]));
    expect(vars('h1')).toEqual({ a: 2222, b: 'true', c: true, d: [1, 'x y'], e: 'a b', f: 16, g: '010', h: null, pw: 'ab', q: 'p#w', r: 'quoted' });
    expect(vars('ungrouped')).toEqual({ p: 2222, s: 'quoted', t: 'spaced value  # kept' });
    expect(raw.groups.get('ungrouped')!.hosts).toEqual(['h1']);
  });

  it('converts text where a var needs a number or a boolean, as Ansible\'s boolean filter reads it', () => {
    const inv = load([...CACHE, '[clients]', 'a ansible_become=yes', 'b ansible_become=off', 'c ansible_become=1', '[clients:vars]', 'ansible_port="2022"', 'ansible_user=ops', 'mirror_port=5000']);
    expect(inv.clients.map((h) => [h.name, h.become, h.ssh.port])).toEqual([['a', true, 2022], ['b', false, 2022], ['c', true, 2022]]);
    const p = problems([...CACHE, '[clients]', 'a ansible_become=maybe']);
    expect(p).toEqual([expect.objectContaining({ file: FILE, line: 4, path: 'clients.hosts.a.ansible_become', message: expect.stringMatching(/true or false/) })]);
  });

  it('reads mirror_boot_hook from [group:vars] text as a boolean, and refuses other words', () => {
    const inv = load([...CACHE, '[clients]', 'a', 'b mirror_boot_hook=False', '[clients:vars]', 'mirror_boot_hook=yes']);
    expect(inv.clients.map((h) => [h.name, inv.clientSettings(h).bootHook])).toEqual([['a', true], ['b', false]]);
    const p = problems([...CACHE, '[clients]', 'a', '[clients:vars]', 'mirror_boot_hook=sometimes']);
    expect(p).toEqual([expect.objectContaining({ file: FILE, path: 'clients.vars.mirror_boot_hook', message: expect.stringMatching(/true or false/) })]);
  });

  it('reports hosts outside any group as fleet reports any host without a role', () => {
    const p = problems(['stray', ...CACHE, '[clients]', 'nomad-1']);
    expect(p).toEqual([expect.objectContaining({ line: 1, column: 1, path: 'ungrouped.hosts.stray', message: expect.stringMatching(/neither the cache nor the clients/) })]);
  });

  it('reports a bad inline var of a range once, not once per host', () => {
    expect(problems([...CACHE, '[clients]', 'nomad-[01:20] ansible_port=many'])).toEqual([
      expect.objectContaining({ line: 4, path: 'clients.hosts.nomad-[01:20].ansible_port', message: expect.stringMatching(/integer/) }),
    ]);
  });

  it('reports a cycle in children with file:line', () => {
    const p = problems([...CACHE, '[clients]', 'n1', '[a:children]', 'clients', '[clients:children]', 'a']);
    expect(p).toEqual([expect.objectContaining({ file: FILE, line: 6, path: 'a.children.clients', message: 'groups form a cycle: clients -> a -> clients' })]);
  });

  it('reports every problem with file:line', () => {
    const p = problems([
      ...CACHE,
      '[clients]',
      'nomad-[01:3]',
      'nomad-[5:1]',
      'web:',
      'bad "unterminated',
      'n1 novalue',
      'n2 ansible_prot=22',
      '[clients:vars]',
      'just-a-word',
      '[clients:weird]',
      '[with space]',
      '[ghost:vars]',
      'mirror_port=81',
      '[clients:children]',
      'phantom',
    ]);
    expect(p.map((x) => [x.line, x.message])).toEqual([
      [4, 'host range [01:3] must specify equal-length begin and end formats'],
      [5, 'host range [5:1] yields no host'],
      [6, "invalid host pattern web:: a trailing ':' is reserved for a port"],
      [7, 'cannot read the host line: No closing quotation'],
      [8, 'expected key=value host variable assignment, got: novalue'],
      [9, expect.stringMatching(/^ansible_prot is an Ansible variable that fleet does not support/)],
      [11, 'expected key=value, got: just-a-word'],
      [12, expect.stringMatching(/^section \[clients:weird\] has an unknown type weird/)],
      [13, expect.stringMatching(/^invalid section \[with space\]/)],
      [14, expect.stringMatching(/^section \[ghost:vars\] is for a group that is declared nowhere/)],
      [17, expect.stringMatching(/^section \[clients:children\] lists phantom, a group declared nowhere/)],
    ]);
    expect(p.every((x) => x.file === FILE)).toBe(true);
  });

  it('refuses control characters in credentials (a Python escape inside quotes), value not shown', () => {
    const p = problems(['[cache]', 'cache-1 registry_proxy_username=me registry_proxy_password="\'s3cret\\nX=1\'"', '[clients]', 'n1']);
    expect(p).toEqual([expect.objectContaining({ line: 2, path: 'cache.hosts.cache-1.registry_proxy_password', message: expect.stringMatching(/control characters \(found a newline/) })]);
    expect(p[0]!.message).not.toContain('s3cret');
  });

  it('a [group:vars] or a child may refer to a group an earlier source declares', () => {
    const yaml = readYamlInventory(new YamlDoc('nomad:\n  hosts: { n1: }\ncache:\n  hosts: { c1: }\n', '/srv/inv/static.yml'));
    const later = readIniInventory('[nomad:vars]\nansible_user=ops\n[clients:children]\nnomad\n', FILE);
    const inv = normalise([yaml, later], { env: {} });
    expect(inv.clients.map((h) => h.name)).toEqual(['n1']);
    expect(host(inv, 'n1').ssh.user).toBe('ops');
  });
});

describe('host patterns', () => {
  it.each([
    ['nomad-[01:20]', 20, 'nomad-01', 'nomad-20'],
    ['nomad-[1:20]', 20, 'nomad-1', 'nomad-20'],
    ['web[001:100:33]', 4, 'web001', 'web100'],
    ['[a:c]-[1:2]', 6, 'a-1', 'c-2'],
    ['db-[x:B]', 5, 'db-x', 'db-B'],
    ['10.0.[0:1].[1:2]', 4, '10.0.0.1', '10.0.1.2'],
    ['app-[:3]', 4, 'app-0', 'app-3'],
  ])('%s', (pattern, count, first, last) => {
    const hosts = expandRanges(pattern);
    expect(Array.isArray(hosts)).toBe(true);
    expect(hosts).toHaveLength(count);
    expect([hosts[0], hosts.at(-1)]).toEqual([first, last]);
  });

  it('splits ports as Ansible does', () => {
    expect(parseHostPattern('db:2222')).toEqual({ ok: true, hosts: ['db'], port: 2222 });
    expect(parseHostPattern('[2001:db8::1]:2222')).toEqual({ ok: true, hosts: ['2001:db8::1'], port: 2222 });
    expect(parseHostPattern('2001:db8::1')).toEqual({ ok: true, hosts: ['2001:db8::1'] });
    expect(parseHostPattern('web-[1:2]:22')).toEqual({ ok: true, hosts: ['web-1', 'web-2'], port: 22 });
  });

  it('bounds what one line expands to', () => {
    expect(parseHostPattern('n[0:99999999]')).toEqual({ ok: false, message: 'host range [0:99999999] expands to more than 100000 hosts' });
    expect(parseHostPattern('a[0:999]b[0:999]')).toMatchObject({ ok: false, message: expect.stringMatching(/more than 100000 hosts/) });
  });
});

describe('shlexSplit (Python shlex.split, comments=True)', () => {
  it.each([
    ['a b  c', ['a', 'b', 'c']],
    ['k="a b" j=\'c d\'', ['k=a b', 'j=c d']],
    ['a#b c', ['a']],
    ['a "#" b', ['a', '#', 'b']],
    ['x="a\\"b\\\\c\\d"', ['x=a"b\\c\\d']],
    ["x='a\\b'", ['x=a\\b']],
    ['x=a\\ b', ['x=a b']],
    ["x=''", ['x=']],
    ["''", ['']],
  ])('%s', (line, words) => {
    expect(shlexSplit(line)).toEqual({ ok: true, words });
  });

  it('reports an open quote and a trailing backslash', () => {
    expect(shlexSplit('a "b')).toEqual({ ok: false, message: 'No closing quotation' });
    expect(shlexSplit('a \\')).toEqual({ ok: false, message: 'No escaped character' });
  });
});
