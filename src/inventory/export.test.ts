import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ansibleGraph, ansibleHost, ansibleList } from './export.js';
import { loadInventory, parseInventory } from './load.js';

const inv = parseInventory([
  'all:',
  '  vars: { ansible_user: ubuntu, registry_proxy_username: me, registry_proxy_password: "{{ env.HUB_TOKEN }}" }',
  '  children:',
  '    cache:',
  '      hosts: { cache-1: { ansible_host: 192.0.2.1 } }',
  '    clients:',
  '      children:',
  '        nomad:',
  '          hosts:',
  '            nomad-2: { ansible_host: 192.0.2.12, ansible_port: 2222 }',
  '            nomad-1: { ansible_host: 192.0.2.11 }',
  '        builders:',
  '          vars: { docker_daemon_json: /var/snap/docker/current/config/daemon.json }',
  '          hosts: { builder-1: { ansible_host: 192.0.2.21 } }',
  '',
].join('\n'), '/srv/inv/hosts.yml', { HUB_TOKEN: 'dckr_pat_s3cret' });

describe('ansible-inventory views', () => {
  it('--list: groups with their own hosts and children, merged vars per host, keys sorted, secrets as ***', () => {
    const text = ansibleList(inv);
    expect(text).not.toContain('s3cret');
    expect(JSON.parse(text)).toEqual({
      _meta: {
        hostvars: {
          'builder-1': { ansible_host: '192.0.2.21', ansible_user: 'ubuntu', docker_daemon_json: '/var/snap/docker/current/config/daemon.json', registry_proxy_password: '***', registry_proxy_username: '***' },
          'cache-1': { ansible_host: '192.0.2.1', ansible_user: 'ubuntu', registry_proxy_password: '***', registry_proxy_username: '***' },
          'nomad-1': { ansible_host: '192.0.2.11', ansible_user: 'ubuntu', registry_proxy_password: '***', registry_proxy_username: '***' },
          'nomad-2': { ansible_host: '192.0.2.12', ansible_port: 2222, ansible_user: 'ubuntu', registry_proxy_password: '***', registry_proxy_username: '***' },
        },
      },
      all: { children: ['ungrouped', 'cache', 'clients'] },
      builders: { hosts: ['builder-1'] },
      cache: { hosts: ['cache-1'] },
      clients: { children: ['nomad', 'builders'] },
      nomad: { hosts: ['nomad-2', 'nomad-1'] },
    });
    expect(Object.keys(JSON.parse(text))).toEqual(['_meta', 'all', 'builders', 'cache', 'clients', 'nomad']);
    expect(text.split('\n')[1]).toBe('    "_meta": {');
  });

  it('--list reads back as the same inventory', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'fleet-export-')), 'list.json');
    writeFileSync(file, ansibleList(inv));
    const back = await loadInventory(file, {});
    // Secrets come back as "***", as printed; everything else as it was.
    const view = (i: typeof inv) => Object.fromEntries(i.hosts.map((h) => [h.name, { groups: [...h.groups].sort(), ssh: h.ssh, become: h.become, vars: JSON.parse(JSON.stringify(h.vars)) }]));
    expect(view(back)).toEqual(view(inv));
    // ungrouped is always printed (as Ansible does), and so comes back, empty.
    const groups = (i: typeof inv) => Object.fromEntries([...i.groups].filter(([g, hosts]) => g !== 'ungrouped' || hosts.length).map(([g, hosts]) => [g, [...hosts].sort()]));
    expect(groups(back)).toEqual(groups(inv));
  });

  it('--graph, from all or from a group', () => {
    expect(ansibleGraph(inv)).toBe([
      '@all:',
      '  |--@ungrouped:',
      '  |--@cache:',
      '  |  |--cache-1',
      '  |--@clients:',
      '  |  |--@nomad:',
      '  |  |  |--nomad-2',
      '  |  |  |--nomad-1',
      '  |  |--@builders:',
      '  |  |  |--builder-1',
      '',
    ].join('\n'));
    expect(ansibleGraph(inv, 'nomad')).toBe('@nomad:\n  |--nomad-2\n  |--nomad-1\n');
    expect(ansibleGraph(inv, 'nope')).toBeUndefined();
  });

  it('--host', () => {
    expect(JSON.parse(ansibleHost(inv, 'nomad-2')!)).toEqual({ ansible_host: '192.0.2.12', ansible_port: 2222, ansible_user: 'ubuntu', registry_proxy_password: '***', registry_proxy_username: '***' });
    expect(ansibleHost(inv, 'nope')).toBeUndefined();
  });
});
