import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type FieldProblem, InventoryError } from '../core/errors.js';
import { Secret } from '../core/command.js';
import { loadInventory, parseInventory } from './load.js';
import type { Host, Inventory } from './model.js';
import { clientMirrorOrder } from '../modules/mirrors/order.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/inventory');
const FILE = '/srv/inv/hosts.yml';

/** Inline YAML: drop the first newline and the common indentation, so line 1 is the first line. */
function yaml(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\n\s*$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n') + '\n';
}

function parse(text: string, env: NodeJS.ProcessEnv = {}): Inventory {
  return parseInventory(yaml(text), FILE, env);
}

function problems(text: string, env: NodeJS.ProcessEnv = {}): FieldProblem[] {
  try {
    parse(text, env);
  } catch (err) {
    if (err instanceof InventoryError) return [...err.problems];
    throw err;
  }
  throw new Error('expected an InventoryError');
}

/** The single problem of an inventory (fails if there are more or none). */
function problem(text: string, env: NodeJS.ProcessEnv = {}): FieldProblem {
  const all = problems(text, env);
  expect(all, all.map((p) => p.message).join('\n')).toHaveLength(1);
  return all[0]!;
}

function host(inv: Inventory, name: string): Host {
  const h = inv.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name}`);
  return h;
}

/** A valid inventory with one cache and one client, to which a test adds one var. */
function withVar(where: 'client' | 'cache', line: string): string {
  return yaml(`
    all:
      children:
        cache:
          hosts:
            cache-1:
              ansible_python_interpreter: /usr/bin/python3
              ${where === 'cache' ? line : 'mirror_port: 80'}
        clients:
          hosts:
            nomad-1:
              ansible_python_interpreter: /usr/bin/python3
              ${where === 'client' ? line : 'docker_daemon_json: /etc/docker/daemon.json'}
  `);
}
// In withVar the added var is on line 7 (cache) or line 12 (client), at column 11.

describe('parseInventory: the example inventory', () => {
  const inv = parse(`
    all:
      vars:
        ansible_user: ubuntu
        ansible_ssh_private_key_file: ~/.ssh/id_ed25519
        ansible_become: true            # run as root through \`sudo -n\`
      children:
        cache:
          hosts:
            cache-1: { ansible_host: 192.0.2.1 }
        clients:
          hosts:
            nomad-1: { ansible_host: 192.0.2.11 }
            nomad-2: { ansible_host: 192.0.2.12, ansible_port: 2222 }
  `);

  it('lists hosts, caches and clients in file order', () => {
    expect(inv.file).toBe(FILE);
    expect(inv.hosts.map((h) => h.name)).toEqual(['cache-1', 'nomad-1', 'nomad-2']);
    expect(inv.caches.map((h) => h.name)).toEqual(['cache-1']);
    expect(inv.clients.map((h) => h.name)).toEqual(['nomad-1', 'nomad-2']);
    expect([...inv.groups]).toEqual([
      ['all', ['cache-1', 'nomad-1', 'nomad-2']],
      ['cache', ['cache-1']],
      ['clients', ['nomad-1', 'nomad-2']],
    ]);
  });

  it('merges all.vars into every host and applies defaults', () => {
    const key = path.join(os.homedir(), '.ssh/id_ed25519');
    expect(host(inv, 'nomad-2').ssh).toEqual({ name: 'nomad-2', address: '192.0.2.12', port: 2222, user: 'ubuntu', privateKeyFile: key });
    expect(host(inv, 'nomad-1').ssh).toEqual({ name: 'nomad-1', address: '192.0.2.11', port: 22, user: 'ubuntu', privateKeyFile: key });
    expect(host(inv, 'nomad-1').become).toBe(true);
    expect(host(inv, 'nomad-1').groups).toEqual(['all', 'clients']);
    expect(host(inv, 'nomad-1').line).toBe(12);
    expect(host(inv, 'nomad-2').vars).toMatchObject({ ansible_user: 'ubuntu', ansible_port: 2222, ansible_become: true });
  });

  it('derives client mirrors from the cache and cache settings from defaults', () => {
    expect(inv.clientSettings(host(inv, 'nomad-1'))).toEqual({ daemonJsonPath: '/etc/docker/daemon.json', mirrors: ['http://192.0.2.1'], cacheMirrors: ['http://192.0.2.1'], bootHook: false });
    expect(inv.cacheSettings(host(inv, 'cache-1'))).toEqual({
      mirrorPort: 80,
      remoteUrl: 'https://registry-1.docker.io',
      image: 'registry:2.8.3',
      dataDir: '/var/lib/fleet/registry',
      allowCidrs: [],
    });
  });

  it('is what the fixture file loads to', async () => {
    const loaded = await loadInventory(path.join(FIXTURES, 'example.yml'), {});
    expect(loaded.hosts.map((h) => h.ssh)).toEqual(inv.hosts.map((h) => h.ssh));
  });
});

describe('loadInventory', () => {
  it('resolves a relative key path against the inventory directory and wraps secrets', async () => {
    const inv = await loadInventory(path.join(FIXTURES, 'relative-key.yml'), { FLEET_TEST_REGISTRY_PASSWORD: 's3cret' });
    const cache = host(inv, 'cache-1');
    expect(cache.ssh.privateKeyFile).toBe(path.join(FIXTURES, 'keys/fleet_ed25519'));
    const settings = inv.cacheSettings(cache);
    expect(settings.password).toBeInstanceOf(Secret);
    expect(settings.password?.reveal()).toBe('s3cret');
    expect(settings.username?.reveal()).toBe('fleet');
    expect(JSON.stringify(cache.vars)).not.toContain('s3cret');
  });

  it('reports an unreadable file as an InventoryError', async () => {
    const missing = path.join(FIXTURES, 'does-not-exist.yml');
    const err = await loadInventory(missing, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryError);
    const p = (err as InventoryError).problems;
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ file: missing, message: expect.stringMatching(/^cannot read inventory: .*ENOENT/) });
  });
});

describe('groups and var precedence', () => {
  it('applies all -> parent -> group -> host, through nested children', () => {
    const inv = parse(`
      all:
        vars: { ansible_user: a, ansible_port: 1001, registry_image: img-all, mirror_port: 81 }
        children:
          dc:
            vars: { ansible_user: dc, ansible_port: 1002, registry_image: img-dc }
            children:
              clients:
                vars: { ansible_user: clients }
                hosts:
                  nomad-1: { ansible_user: host }
                  nomad-2:
          cache:
            hosts:
              cache-1:
    `);
    expect(host(inv, 'nomad-1').ssh).toMatchObject({ user: 'host', port: 1002 });
    expect(host(inv, 'nomad-2').ssh).toMatchObject({ user: 'clients', port: 1002 });
    expect(host(inv, 'nomad-2').vars).toMatchObject({ registry_image: 'img-dc', mirror_port: 81 });
    expect(host(inv, 'cache-1').ssh).toMatchObject({ user: 'a', port: 1001 });
    expect(host(inv, 'nomad-1').groups).toEqual(['all', 'dc', 'clients']);
    expect(inv.groups.get('dc')).toEqual(['nomad-1', 'nomad-2']);
    expect(inv.groups.get('all')).toEqual(['nomad-1', 'nomad-2', 'cache-1']);
  });

  it('a deeper group wins over a shallower one written later', () => {
    const inv = parse(`
      all:
        children:
          outer:
            children:
              clients:
                vars: { ansible_port: 2001 }
                hosts: { nomad-1: }
          flat:
            vars: { ansible_port: 2002 }
            hosts: { nomad-1: }
          cache: { hosts: { cache-1: } }
    `);
    expect(host(inv, 'nomad-1').ssh.port).toBe(2001);
  });

  // As Ansible orders them (depth, then name); fleet used to let the group written later win.
  it('for a host in two groups of equal depth, the group whose name sorts last wins and host vars merge', () => {
    const inv = parse(`
      all:
        children:
          clients:
            vars: { ansible_port: 3001, ansible_user: c }
            hosts:
              both: { ansible_host: 192.0.2.5 }
          cache:
            vars: { ansible_port: 3002 }
            hosts:
              both: { mirror_port: 5000 }
    `);
    const both = host(inv, 'both');
    expect(both.ssh).toMatchObject({ address: '192.0.2.5', port: 3001, user: 'c' });
    expect(both.vars).toMatchObject({ mirror_port: 5000 });
    expect(both.groups).toEqual(['all', 'clients', 'cache']);
    expect(both.line).toBe(6);
    expect(inv.hosts).toHaveLength(1);
    expect(inv.clientSettings(both).mirrors).toEqual(['http://192.0.2.5:5000']);
  });

  it('merges a group written in several places and treats other top-level groups as children of all', () => {
    const inv = parse(`
      all:
        vars: { ansible_user: u }
        children:
          clients:
            hosts: { nomad-1: }
          east:
            children:
              clients:
                vars: { ansible_port: 2222 }
                hosts: { nomad-2: }
      cache:
        hosts: { cache-1: }
    `);
    expect(inv.clients.map((h) => h.name)).toEqual(['nomad-1', 'nomad-2']);
    expect(host(inv, 'nomad-1').ssh.port).toBe(2222);
    expect(host(inv, 'nomad-1').groups).toEqual(['all', 'clients', 'east']);
    expect(host(inv, 'cache-1').ssh.user).toBe('u');
    expect(host(inv, 'cache-1').groups).toEqual(['all', 'cache']);
  });

  it('supports anchors, aliases and << merge keys', () => {
    const inv = parse(`
      all:
        children:
          cache:
            hosts:
              cache-1: &base { ansible_user: ops, ansible_port: 2200 }
          clients:
            hosts:
              nomad-1: *base
              nomad-2: { <<: *base, ansible_port: 2201 }
    `);
    expect(host(inv, 'nomad-1').ssh).toMatchObject({ user: 'ops', port: 2200 });
    expect(host(inv, 'nomad-2').ssh).toMatchObject({ user: 'ops', port: 2201 });
  });

  it('works without an all key', () => {
    const inv = parse(`
      clients:
        hosts: { nomad-1: { mirror_url: "https://m.example/" } }
    `);
    expect(inv.clients.map((h) => h.name)).toEqual(['nomad-1']);
    expect(host(inv, 'nomad-1').groups).toEqual(['all', 'clients']);
    expect(host(inv, 'nomad-1').ssh.address).toBe('nomad-1');
  });
});

describe('connection vars', () => {
  it('defaults the user to the local user and the address to the host name', () => {
    const inv = parse(`
      all:
        children:
          clients: { hosts: { nomad-1.example.com: } }
          cache: { hosts: { cache-1: } }
    `);
    expect(host(inv, 'nomad-1.example.com').ssh).toEqual({
      name: 'nomad-1.example.com',
      address: 'nomad-1.example.com',
      port: 22,
      user: os.userInfo().username,
    });
    expect(host(inv, 'nomad-1.example.com').become).toBe(false);
  });

  it('become only when ansible_become is set and the user is not root; accepts yes/no strings', () => {
    const inv = parse(`
      all:
        vars: { ansible_become: "yes" }
        children:
          clients:
            hosts:
              as-ubuntu: { ansible_user: ubuntu }
              as-root: { ansible_user: root }
              opted-out: { ansible_user: ubuntu, ansible_become: "No" }
              bool-false: { ansible_user: ubuntu, ansible_become: false }
          cache: { hosts: { cache-1: { ansible_user: ubuntu, ansible_become: "true" } } }
    `);
    expect(inv.hosts.map((h) => [h.name, h.become])).toEqual([
      ['as-ubuntu', true],
      ['as-root', false],
      ['opted-out', false],
      ['bool-false', false],
      ['cache-1', true],
    ]);
  });

  it('parses jump hosts, defaulting the jump user to the host user and the port to 22', () => {
    const inv = parse(`
      all:
        vars: { ansible_user: ubuntu }
        children:
          clients:
            hosts:
              a: { fleet_jump_host: bastion.example.com }
              b: { fleet_jump_host: "jump@bastion.example.com:2222" }
              c: { fleet_jump_host: "[2001:db8::1]:2200", ansible_user: ops }
              d: { fleet_jump_host: "2001:db8::2" }
          cache: { hosts: { cache-1: } }
    `);
    expect(host(inv, 'a').ssh.jump).toEqual({ user: 'ubuntu', address: 'bastion.example.com', port: 22 });
    expect(host(inv, 'b').ssh.jump).toEqual({ user: 'jump', address: 'bastion.example.com', port: 2222 });
    expect(host(inv, 'c').ssh.jump).toEqual({ user: 'ops', address: '2001:db8::1', port: 2200 });
    expect(host(inv, 'd').ssh.jump).toEqual({ user: 'ubuntu', address: '2001:db8::2', port: 22 });
    expect(host(inv, 'cache-1').ssh.jump).toBeUndefined();
  });

  it('accepts numbers from the environment and strips brackets from an IPv6 ansible_host', () => {
    const inv = parse(
      `
      all:
        children:
          clients: { hosts: { nomad-1: { ansible_port: "{{ env.PORT }}", ansible_host: "[2001:db8::11]" } } }
          cache: { hosts: { cache-1: } }
    `,
      { PORT: '2022' },
    );
    expect(host(inv, 'nomad-1').ssh).toMatchObject({ port: 2022, address: '2001:db8::11' });
  });
});

describe('env substitution', () => {
  it('substitutes {{env.NAME}} anywhere in a string, with or without spaces, including list items', () => {
    const inv = parse(
      `
      all:
        children:
          clients:
            hosts:
              nomad-1:
                ansible_user: "{{env.USER_NAME}}"
                ansible_host: "node-{{ env.N }}.{{ env.DOMAIN }}"
                mirror_url: ["https://{{ env.DOMAIN }}/", "http://10.0.0.{{env.N}}:5000"]
          cache: { hosts: { cache-1: } }
    `,
      { USER_NAME: 'deploy', N: '7', DOMAIN: 'example.org' },
    );
    const n = host(inv, 'nomad-1');
    expect(n.ssh).toMatchObject({ user: 'deploy', address: 'node-7.example.org' });
    expect(inv.clientSettings(n).mirrors).toEqual(['https://example.org', 'http://10.0.0.7:5000']);
  });

  it('reports an unset variable with its name, the field path and line', () => {
    const p = problem(withVar('client', 'ansible_user: "{{ env.DEPLOY_USER }}"'));
    expect(p).toMatchObject({ file: FILE, line: 12, column: 25, path: 'all.children.clients.hosts.nomad-1.ansible_user' });
    expect(p.message).toContain('DEPLOY_USER');
    expect(p.message).toContain('not set');
  });

  it('rejects any template other than env.NAME, and unterminated ones', () => {
    expect(problem(withVar('client', 'ansible_user: "{{ inventory_hostname }}"')).message).toMatch(/unsupported template \{\{ inventory_hostname \}\}/);
    expect(problem(withVar('client', 'ansible_user: "{{ env.A | lower }}"'), { A: 'x' }).message).toMatch(/unsupported template/);
    expect(problem(withVar('client', 'ansible_user: "{{ env.A"'), { A: 'x' }).message).toMatch(/unterminated/);
  });

  it('reports an unset variable in a list item at the item', () => {
    const p = problem(withVar('client', 'mirror_url: ["https://ok.example", "{{ env.MIRROR }}"]'));
    expect(p).toMatchObject({ line: 12, column: 46, path: 'all.children.clients.hosts.nomad-1.mirror_url[1]' });
  });

  it('never puts secret values into messages', () => {
    const p = problems(withVar('cache', 'registry_proxy_password: 12345')).find((x) => x.path.endsWith('password'))!;
    expect(p.path).toBe('all.children.cache.hosts.cache-1.registry_proxy_password');
    expect(p.message).toMatch(/must be a string/);
    expect(p.message).not.toContain('12345');
  });
});

describe('mirrors and cache settings', () => {
  it('derives one mirror per cache, with mirror_port when not 80, IPv6 bracketed, in the client\'s hashed order', () => {
    const inv = parse(`
      all:
        children:
          cache:
            hosts:
              cache-a: { ansible_host: 192.0.2.1 }
              cache-b: { ansible_host: 192.0.2.2, mirror_port: 5000 }
              cache-c: { ansible_host: "2001:db8::3" }
              cache-d: { ansible_host: "2001:DB8::4", mirror_port: 8080 }
              cache-e: { ansible_host: Cache-E.Example }
          clients:
            hosts:
              nomad-1: { docker_daemon_json: /etc/docker/alt/daemon.json/ }
              nomad-2:
    `);
    const caches = ['http://192.0.2.1', 'http://192.0.2.2:5000', 'http://[2001:db8::3]', 'http://[2001:db8::4]:8080', 'http://cache-e.example'];
    expect(inv.caches.map((c) => inv.cacheMirror(c))).toEqual(caches);
    const settings = inv.clientSettings(host(inv, 'nomad-1'));
    expect(settings).toEqual({ daemonJsonPath: '/etc/docker/alt/daemon.json', mirrors: clientMirrorOrder('nomad-1', caches), cacheMirrors: clientMirrorOrder('nomad-1', caches), bootHook: false });
    expect([...settings.mirrors].sort()).toEqual([...caches].sort());
    // Another client gets its own order of the same caches (five caches: 120 orders).
    expect(inv.clientSettings(host(inv, 'nomad-2')).mirrors).toEqual(clientMirrorOrder('nomad-2', caches));
    expect(inv.clientSettings(host(inv, 'nomad-2')).mirrors).not.toEqual(settings.mirrors);
  });

  it('mirror_url overrides derived mirrors, as a string or a list, in its own order, canonical (no trailing slash, host lower-cased)', () => {
    const inv = parse(`
      all:
        children:
          cache: { hosts: { cache-1: { ansible_host: 192.0.2.1 } } }
          clients:
            hosts:
              one: { mirror_url: "https://Mirror.Example.com//" }
              many: { mirror_url: ["https://m2.example.com:443", "http://[2001:db8::9]:5000/", "http://m2.example.com:80/"] }
              derived:
    `);
    expect(inv.clientSettings(host(inv, 'one')).mirrors).toEqual(['https://mirror.example.com']);
    expect(inv.clientSettings(host(inv, 'many')).mirrors).toEqual(['https://m2.example.com', 'http://[2001:db8::9]:5000', 'http://m2.example.com']);
    expect(inv.clientSettings(host(inv, 'derived')).mirrors).toEqual(['http://192.0.2.1']);
  });

  it('appends mirror_fallbacks after every cache (hashed) or after mirror_url, each mirror once; [] means none', () => {
    const inv = parse(`
      all:
        vars:
          mirror_fallbacks: ["https://mirror.gcr.io/", "http://192.0.2.2", "https://mirror.gcr.io"]
        children:
          cache:
            hosts:
              cache-1: { ansible_host: 192.0.2.1 }
              cache-2: { ansible_host: 192.0.2.2 }
          clients:
            hosts:
              derived:
              own: { mirror_url: ["http://192.0.2.9", "https://mirror.gcr.io"] }
              none: { mirror_fallbacks: [] }
              fallbacks-only:
    `);
    const caches = ['http://192.0.2.1', 'http://192.0.2.2'];
    const derived = inv.clientSettings(host(inv, 'derived'));
    expect(derived.cacheMirrors).toEqual(clientMirrorOrder('derived', caches));
    expect(derived.mirrors).toEqual([...clientMirrorOrder('derived', caches), 'https://mirror.gcr.io']);
    expect(inv.clientSettings(host(inv, 'own'))).toMatchObject({ cacheMirrors: ['http://192.0.2.9', 'https://mirror.gcr.io'], mirrors: ['http://192.0.2.9', 'https://mirror.gcr.io', 'http://192.0.2.2'] });
    expect(inv.clientSettings(host(inv, 'none')).mirrors).toEqual(clientMirrorOrder('none', caches));
  });

  it('a client may have public fallbacks only (no cache host, no mirror_url)', () => {
    const inv = parse(`
      clients:
        hosts:
          nomad-1: { mirror_fallbacks: [https://mirror.gcr.io] }
    `);
    expect(inv.clientSettings(host(inv, 'nomad-1'))).toMatchObject({ mirrors: ['https://mirror.gcr.io'], cacheMirrors: [] });
  });

  it('exposes container_runtime, absent when not set', () => {
    const inv = parse(`
      all:
        children:
          cache: { hosts: { cache-1: { ansible_host: 192.0.2.1 } } }
          clients:
            vars: { container_runtime: podman }
            hosts:
              p:
              c: { container_runtime: containerd }
    `);
    expect(inv.clientSettings(host(inv, 'p')).containerRuntime).toBe('podman');
    expect(inv.clientSettings(host(inv, 'c')).containerRuntime).toBe('containerd');
    const plain = parse(`
      clients:
        hosts:
          d: { mirror_url: http://192.0.2.1 }
    `);
    expect(plain.clientSettings(host(plain, 'd'))).not.toHaveProperty('containerRuntime');
  });

  it('reads every cache setting', () => {
    const inv = parse(
      `
      all:
        children:
          clients: { hosts: { nomad-1: } }
          cache:
            vars:
              mirror_port: 5000
              registry_proxy_remoteurl: https://mirror.gcr.io
              registry_proxy_username: "{{ env.HUB_USER }}"
              registry_proxy_password: "{{ env.HUB_TOKEN }}"
              registry_image: registry:3
              registry_data_dir: /data/registry/
              mirror_allow_cidrs: [10.0.0.0/8, 192.0.2.7, "fd00::/8", "2001:db8::1"]
            hosts: { cache-1: }
    `,
      { HUB_USER: 'me', HUB_TOKEN: 'tok' },
    );
    const s = inv.cacheSettings(host(inv, 'cache-1'));
    expect({ ...s, username: s.username?.reveal(), password: s.password?.reveal() }).toEqual({
      mirrorPort: 5000,
      remoteUrl: 'https://mirror.gcr.io',
      username: 'me',
      password: 'tok',
      image: 'registry:3',
      dataDir: '/data/registry',
      allowCidrs: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', '2001:db8::1'],
    });
  });
});

describe('errors', () => {
  it('reports YAML syntax errors with line and column and stops there', () => {
    const all = problems(`
      all:
        children:
          clients:
            hosts: [nomad-1
    `);
    expect(all.length).toBeGreaterThan(0);
    expect(all[0]!.message).toMatch(/^YAML syntax error/);
    expect(all[0]!.line).toBeGreaterThanOrEqual(4);
    expect(all[0]!.column).toBeGreaterThan(0);
  });

  it('rejects several YAML documents in one file', () => {
    expect(problem('all:\n  hosts:\n---\nclients:\n')).toMatchObject({ line: 3, message: expect.stringMatching(/single YAML document/) });
  });

  it('reports duplicate keys with the path and the first line', () => {
    const p = problem(`
      all:
        children:
          cache: { hosts: { cache-1: } }
          clients:
            hosts:
              nomad-1: { ansible_port: 22 }
              nomad-1: { ansible_port: 23 }
    `);
    expect(p).toMatchObject({ line: 7, column: 9, path: 'all.children.clients.hosts.nomad-1' });
    expect(p.message).toBe('duplicate key nomad-1 (first defined on line 6)');
  });

  it('reports unsupported ansible_* vars and unknown vars, naming the known ones', () => {
    const a = problem(withVar('client', 'ansible_password: hunter2'));
    expect(a).toMatchObject({ line: 12, column: 11, path: 'all.children.clients.hosts.nomad-1.ansible_password' });
    expect(a.message).toMatch(/ansible_password is an Ansible variable that fleet does not support/);
    expect(a.message).toContain('Known variables: ansible_host, ansible_port');
    expect(a.message).not.toContain('hunter2');
    const u = problem(withVar('cache', 'mirror_prot: 5000'));
    expect(u).toMatchObject({ line: 7, path: 'all.children.cache.hosts.cache-1.mirror_prot' });
    expect(u.message).toMatch(/^unknown variable mirror_prot\. Known variables: .*mirror_port/);
  });

  it('accepts harmless Ansible settings only with the value fleet implements', () => {
    expect(() => parseInventory(withVar('client', 'ansible_connection: ssh'), FILE, {})).not.toThrow();
    expect(problem(withVar('client', 'ansible_connection: local')).message).toMatch(/only "ssh"/);
    expect(problem(withVar('client', 'ansible_become_user: postgres')).message).toMatch(/only "root"/);
  });

  it.each([
    ['ansible_port: 70000', 'ansible_port', /integer from 1 to 65535, got 70000/],
    ['ansible_port: 0', 'ansible_port', /integer from 1 to 65535/],
    ['ansible_port: "22a"', 'ansible_port', /integer/],
    ['ansible_port: 22.5', 'ansible_port', /integer/],
    ['ansible_user: ""', 'ansible_user', /must not be empty/],
    ['ansible_user: [a]', 'ansible_user', /must be a string, got a list/],
    ['ansible_user:', 'ansible_user', /must be a string, got nothing/],
    ['ansible_become: maybe', 'ansible_become', /true or false/],
    ['ansible_host: "a b"', 'ansible_host', /whitespace/],
    ['ansible_host: "host:22"', 'ansible_host', /port separately/],
    ['ansible_ssh_private_key_file: ~bob/key', 'ansible_ssh_private_key_file', /~user/],
    ['fleet_jump_host: "@bastion"', 'fleet_jump_host', /user@host/],
    ['fleet_jump_host: "bastion:99999"', 'fleet_jump_host', /port/],
    ['fleet_jump_host: "[bastion]:22"', 'fleet_jump_host', /IPv6/],
    ['mirror_url: ftp://m.example', 'mirror_url', /scheme must be http or https/],
    ['mirror_url: "https://m.example/v2"', 'mirror_url', /a path, query or fragment is not supported .*dockerd before 24\.0\.8/],
    ['mirror_url: ["http://m.example", "m.example"]', 'mirror_url[1]', /not a URL \(expected http:\/\/HOST\[:PORT\]/],
    ['mirror_fallbacks: https://mirror.gcr.io', 'mirror_fallbacks', /must be a list of URLs, got "https:\/\/mirror.gcr.io" \(an empty list \[\] means no fallback\)/],
    ['mirror_fallbacks: [https://mirror.gcr.io, "ftp://x"]', 'mirror_fallbacks[1]', /mirror "ftp:\/\/x": scheme must be http or https/],
    ['mirror_fallbacks: [https://mirror.gcr.io/library]', 'mirror_fallbacks[0]', /a path, query or fragment/],
    ['container_runtime: rkt', 'container_runtime', /must be one of docker, podman, containerd, got "rkt"/],
    ['container_runtime: Docker', 'container_runtime', /must be one of docker, podman, containerd/],
    ['container_runtime: [docker]', 'container_runtime', /got a list/],
    ['mirror_url: "https://u:p@m.example"', 'mirror_url', /credentials/],
    ['mirror_url: "https://m.example/?x=1"', 'mirror_url', /query/],
    ['mirror_url: []', 'mirror_url', /empty list/],
    ['mirror_url: { a: 1 }', 'mirror_url', /got a mapping/],
    ['docker_daemon_json: etc/docker/daemon.json', 'docker_daemon_json', /absolute path/],
    ['ansible_user: !vault |\n                  $ANSIBLE_VAULT;1.1;AES256', 'ansible_user', /Ansible Vault/],
  ])('client var %s', (line, key, message) => {
    const p = problem(withVar('client', line));
    expect(p).toMatchObject({ line: 12, path: `all.children.clients.hosts.nomad-1.${key}` });
    expect(p.message).toMatch(message);
  });

  it.each([
    ['mirror_port: -1', 'mirror_port', /integer/],
    ['registry_proxy_remoteurl: registry-1.docker.io', 'registry_proxy_remoteurl', /URL/],
    ['registry_image: ""', 'registry_image', /empty/],
    ['registry_data_dir: data', 'registry_data_dir', /absolute/],
    ['mirror_allow_cidrs: 10.0.0.0/8', 'mirror_allow_cidrs', /list/],
    ['mirror_allow_cidrs: [10.0.0.0/8, 10.0.0.0/33]', 'mirror_allow_cidrs[1]', /prefix length \(0-32\)/],
    ['mirror_allow_cidrs: [10.0.0.300]', 'mirror_allow_cidrs[0]', /not an IP address/],
    ['mirror_allow_cidrs: ["fd00::/129"]', 'mirror_allow_cidrs[0]', /0-128/],
  ])('cache var %s', (line, key, message) => {
    const p = problem(withVar('cache', line));
    expect(p).toMatchObject({ line: 7, path: `all.children.cache.hosts.cache-1.${key}` });
    expect(p.message).toMatch(message);
  });

  it('points at the offending list item', () => {
    const p = problem(withVar('cache', 'mirror_allow_cidrs: [10.0.0.0/8, bogus]'));
    expect(p.column).toBe(44);
  });

  it('reports structural problems: top level, group keys, hosts as a list, names', () => {
    expect(problem('- a\n- b\n')).toMatchObject({ line: 1, message: expect.stringMatching(/top level must be a mapping/) });
    expect(problem('')).toMatchObject({ message: expect.stringMatching(/inventory is empty/) });
    const all = problems(`
      all:
        children:
          clients:
            host:
              nomad-1:
          cache:
            hosts: [cache-1]
          web:
            hosts:
              "web[01:10]":
              "db:2222":
    `);
    expect(all.map((p) => [p.line, p.path])).toEqual([
      [3, 'all.children.clients'],
      [4, 'all.children.clients.host'],
      [7, 'all.children.cache.hosts'],
      [10, 'all.children.web.hosts.web[01:10]'],
      [11, 'all.children.web.hosts.db:2222'],
    ]);
    expect(all[0]!.message).toMatch(/clients group has no hosts/);
    expect(all[1]!.message).toMatch(/unknown key host in group clients: expected hosts, vars or children/);
    expect(all[2]!.message).toMatch(/YAML list was given/);
    expect(all[3]!.message).toMatch(/ranges/);
    expect(all[4]!.message).toMatch(/ansible_port/);
  });

  it('reports cycles in children', () => {
    const all = problems(`
      all:
        children:
          clients:
            hosts: { nomad-1: }
            children:
              east:
                children:
                  clients:
          cache: { hosts: { cache-1: } }
    `);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ line: 8, path: 'all.children.clients.children.east.children.clients' });
    expect(all[0]!.message).toBe('groups form a cycle: clients -> east -> clients');
  });

  it('reports a missing or empty clients group, hosts in no role, clients without any mirror', () => {
    const noClients = problems(`
      all:
        children:
          cache: { hosts: { cache-1: } }
    `);
    expect(noClients.map((p) => p.message)).toEqual([expect.stringMatching(/there is no clients group/)]);
    expect(noClients[0]!.line).toBeUndefined();

    const all = problems(`
      all:
        hosts:
          stray-1:
        children:
          clients:
            hosts:
              nomad-1:
          other:
            hosts: { stray-2: }
    `);
    expect(all.map((p) => [p.line, p.message])).toEqual([
      [3, 'host stray-1 is in neither the cache nor the clients group, so fleet would do nothing with it'],
      [7, 'client nomad-1 has no registry mirror: there are no cache hosts and it sets no mirror_url'],
      [9, 'host stray-2 is in neither the cache nor the clients group, so fleet would do nothing with it'],
    ]);
  });

  it('requires registry credentials in pairs', () => {
    const p = problem(withVar('cache', 'registry_proxy_username: me'));
    expect(p).toMatchObject({ line: 5, path: 'all.children.cache.hosts.cache-1' });
    expect(p.message).toMatch(/must be set together/);
  });

  it('reports every problem at once, in line order, and formats them into the error message', () => {
    const text = yaml(`
      all:
        vars:
          ansible_port: 0
          colour: blue
        children:
          clients:
            hosts:
              nomad-1: { ansible_user: "{{ env.NOPE }}" }
              nomad-1: {}
              nomad-2: { ansible_become: perhaps, mirror_url: "ftp://x" }
          cache:
            hosts:
              cache-1: { mirror_port: 99999 }
    `);
    let err: InventoryError | undefined;
    try {
      parseInventory(text, FILE, {});
    } catch (e) {
      err = e as InventoryError;
    }
    expect(err).toBeInstanceOf(InventoryError);
    expect(err!.problems.map((p) => [p.line, p.path])).toEqual([
      [3, 'all.vars.ansible_port'],
      [4, 'all.vars.colour'],
      [8, 'all.children.clients.hosts.nomad-1.ansible_user'],
      [9, 'all.children.clients.hosts.nomad-1'],
      [10, 'all.children.clients.hosts.nomad-2.ansible_become'],
      [10, 'all.children.clients.hosts.nomad-2.mirror_url'],
      [13, 'all.children.cache.hosts.cache-1.mirror_port'],
    ]);
    expect(err!.message.split('\n')[0]).toBe(`${FILE}:3:19: all.vars.ansible_port: must be an integer from 1 to 65535, got 0`);
  });
});
