// The real peer: Debian's ansible-inventory reads the INI and YAML fixtures, and fleet must
// resolve them to the same inventory: the same hosts, the same groups (and group tree), and for
// every host the same vars. fleet normalises values (ports are numbers, "yes" a boolean, one
// trailing slash off a mirror), so the comparison is between fleet reading the fixture and fleet
// reading what ansible-inventory printed for it: any difference in how the two read a source
// shows up as a difference here. Skipped where ansible-inventory is not installed; CI installs it
// (test/lab/install-deps.sh).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ansibleGraph, ansibleList } from '../../src/inventory/export.js';
import { loadInventory } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/model.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/inventory/peer');
const work = mkdtempSync(path.join(tmpdir(), 'fleet-peer-'));
const available = spawnSync('ansible-inventory', ['--version'], { encoding: 'utf8' }).status === 0;

function ansibleInventory(file: string, plugin: string, ...args: string[]): string {
  const r = spawnSync('ansible-inventory', ['-i', file, ...args], {
    encoding: 'utf8',
    // Only the plugin for the format under test, and a failed parse is an error, not a warning.
    env: { PATH: process.env.PATH, HOME: work, ANSIBLE_INVENTORY_ENABLED: plugin, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: 'true', ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: work },
  });
  if (r.status !== 0) throw new Error(`ansible-inventory -i ${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Everything fleet makes of an inventory, in a form that compares by value. */
function resolved(inv: Inventory) {
  return {
    hosts: Object.fromEntries(inv.hosts.map((h) => [h.name, {
      groups: [...h.groups].sort(),
      vars: JSON.parse(JSON.stringify(h.vars)) as unknown,
      ssh: h.ssh,
      become: h.become,
      secrets: inv.caches.includes(h) ? [inv.cacheSettings(h).username?.reveal(), inv.cacheSettings(h).password?.reveal()] : [],
      mirrors: inv.clients.includes(h) ? inv.clientSettings(h).mirrors : [],
    }])),
    // Ansible always has an `ungrouped` group (empty in these fixtures); fleet only when used.
    groups: Object.fromEntries([...inv.groups].filter(([g, hosts]) => g !== 'ungrouped' || hosts.length > 0).map(([g, hosts]) => [g, [...hosts].sort()])),
  };
}

describe.skipIf(!available)('fleet reads inventories as ansible-inventory does', () => {
  it.each([
    ['fleet.ini', 'ini'],
    ['fleet.yml', 'yaml'],
  ])('%s', async (name, plugin) => {
    const fixture = path.join(FIXTURES, name);
    const printed = path.join(work, `${name}.json`);
    writeFileSync(printed, ansibleInventory(fixture, plugin, '--list'));
    const fleet = await loadInventory(fixture, {});
    const ansible = await loadInventory(printed, {});
    expect(resolved(fleet)).toEqual(resolved(ansible));
    // The group tree itself, as both print it.
    expect(ansibleGraph(fleet)).toBe(ansibleInventory(fixture, plugin, '--graph'));
    const ours = JSON.parse(ansibleList(fleet)) as Record<string, unknown>;
    const theirs = JSON.parse(ansibleInventory(fixture, plugin, '--list')) as Record<string, unknown>;
    const groupsOf = (list: Record<string, unknown>) => Object.fromEntries(Object.entries(list).filter(([k]) => k !== '_meta'));
    expect(groupsOf(ours)).toEqual(groupsOf(theirs));
    expect(Object.keys((ours._meta as { hostvars: object }).hostvars).sort()).toEqual(Object.keys((theirs._meta as { hostvars: object }).hostvars).sort());
  });

  it('the fixtures decide precedence between groups of equal depth (by name, as Ansible)', async () => {
    const inv = await loadInventory(path.join(FIXTURES, 'fleet.ini'), {});
    // nomad-02 is in builders (ansible_port 2200, written later) and nomad ("2222") at depth 2.
    expect(inv.hosts.find((h) => h.name === 'nomad-02')?.ssh.port).toBe(2222);
    const ansible = JSON.parse(ansibleInventory(path.join(FIXTURES, 'fleet.ini'), 'ini', '--host', 'nomad-02')) as { ansible_port: unknown };
    expect(ansible.ansible_port).toBe('2222');
  });
});
