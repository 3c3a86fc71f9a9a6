// Formats told apart, JSON inventories, executable inventories and several sources at once.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FieldProblem, InventoryError } from '../core/errors.js';
import { loadInventory } from './load.js';
import type { Host, Inventory } from './model.js';
import { readScriptInventory } from './script-source.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fleet-sources-'));

function file(name: string, content: string, mode = 0o644): string {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content, { mode });
  chmodSync(p, mode);
  return p;
}

/** An executable inventory: a POSIX sh script. */
function script(name: string, body: string): string {
  return file(name, `#!/bin/sh\n${body}\n`, 0o755);
}

async function problems(sources: string | string[], env: NodeJS.ProcessEnv = {}): Promise<FieldProblem[]> {
  const err = await loadInventory(sources, env).then(() => undefined, (e: unknown) => e);
  if (err instanceof InventoryError) return [...err.problems];
  throw new Error(`expected an InventoryError, got ${String(err)}`);
}

function host(inv: Inventory, name: string): Host {
  const h = inv.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name}`);
  return h;
}

const LIST_JSON = JSON.stringify({
  _meta: { hostvars: { 'cache-1': { ansible_host: '192.0.2.1' }, 'nomad-1': { ansible_host: '192.0.2.11', ansible_port: 2222 } } },
  all: { children: ['ungrouped', 'cache', 'clients'] },
  cache: { hosts: ['cache-1'] },
  clients: { hosts: ['nomad-1'], vars: { ansible_user: 'ubuntu' } },
}, null, 2);

describe('telling formats apart', () => {
  it.each([
    ['inventory.yml', 'cache:\n  hosts: { cache-1: }\nclients:\n  hosts: { nomad-1: }\n'],
    ['hosts', 'cache:\n  hosts: { cache-1: }\nclients:\n  hosts: { nomad-1: }\n'],
    ['hosts.ini', '[cache]\ncache-1\n[clients]\nnomad-1\n'],
    ['inventory', '[cache]\ncache-1\n[clients]\nnomad-1\n'],
    ['list.json', '{"cache": ["cache-1"], "clients": {"hosts": ["nomad-1"]}}'],
    ['list', '{"cache": ["cache-1"], "clients": {"hosts": ["nomad-1"]}}'],
    ['yaml-shape.json', '{"cache": {"hosts": {"cache-1": {}}}, "clients": {"hosts": {"nomad-1": null}}}'],
  ])('%s', async (name, content) => {
    const inv = await loadInventory(file(`formats/${name}`, content), {});
    expect(inv.caches.map((h) => h.name)).toEqual(['cache-1']);
    expect(inv.clients.map((h) => h.name)).toEqual(['nomad-1']);
  });

  it('reads a data file with an execute bit as data, and refuses a directory', async () => {
    const inv = await loadInventory(file('formats/exec.yml', 'cache:\n  hosts: { c: }\nclients:\n  hosts: { n: }\n', 0o755), {});
    expect(inv.hosts).toHaveLength(2);
    expect(await problems(path.join(dir, 'formats'))).toEqual([expect.objectContaining({ message: expect.stringMatching(/is a directory/) })]);
  });

  it('refuses an Ansible plugin other than nomad, pointing at ansible-inventory --list', async () => {
    const p = await problems(file('aws_ec2.yml', 'plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n'));
    expect(p).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/not one fleet runs .*ansible-inventory -i aws_ec2.yml --list/) })]);
  });
});

describe('JSON inventories (ansible-inventory --list)', () => {
  it('reads groups, children, group vars and _meta.hostvars', async () => {
    const inv = await loadInventory(file('list.json', LIST_JSON), {});
    expect(host(inv, 'nomad-1').ssh).toMatchObject({ address: '192.0.2.11', port: 2222, user: 'ubuntu' });
    expect(inv.tree.get('all')?.children).toEqual(['ungrouped', 'cache', 'clients']);
  });

  it('substitutes {{ env.NAME }} in a file the operator keeps', async () => {
    const inv = await loadInventory(file('env.json', '{"cache": ["c"], "clients": {"hosts": ["n"], "vars": {"ansible_user": "{{ env.U }}"}}}'), { U: 'deploy' });
    expect(host(inv, 'n').ssh.user).toBe('deploy');
  });

  it('reports every problem with file:line:column', async () => {
    const f = file('bad.json', [
      '{',
      '  "cache": {"hosts": ["c"], "vars": {"mirror_port": "eighty"}},',
      '  "clients": {"hosts": "n1", "color": 1},',
      '  "web": 5,',
      '  "_meta": {"hostvars": {"c": {"registry_proxy_password": "a\\nb", "registry_proxy_username": "u"}}}',
      '}',
    ].join('\n'));
    const p = await problems(f);
    const lines = readFileSync(f, 'utf8').split('\n');
    const column = (line: number, token: string) => lines[line - 1]!.indexOf(token) + 1;
    expect(p.map((x) => [x.line, x.column, x.path, x.message])).toEqual([
      [2, column(2, '"eighty"'), 'cache.vars.mirror_port', expect.stringMatching(/integer/)],
      [3, column(3, '{"hosts"'), 'clients', 'the clients group has no hosts'],
      [3, column(3, '"n1"'), 'clients.hosts', 'hosts must be a list of names'],
      [3, column(3, '"color"'), 'clients.color', expect.stringMatching(/unknown key color in group clients/)],
      [4, column(4, '5'), 'web', expect.stringMatching(/must be an object with hosts/)],
      [5, column(5, '"a\\nb"'), '_meta.hostvars.c.registry_proxy_password', expect.stringMatching(/control characters \(found a newline/)],
    ]);
    expect(p.every((x) => x.file === f)).toBe(true);
    expect(JSON.stringify(p)).not.toContain('a\\nb');
  });

  it('reports invalid JSON', async () => {
    expect(await problems(file('broken.json', '{"cache": [}'))).toEqual([expect.objectContaining({ line: 1, column: 12, message: 'not valid JSON: ValueExpected' })]);
    expect(await problems(file('empty.json', ''))).toEqual([expect.objectContaining({ line: 1, column: 1, message: 'not valid JSON: ValueExpected' })]);
  });
});

describe('executable inventories', () => {
  it('runs FILE --list and uses _meta, taking what it prints as data', async () => {
    const s = script('inv-meta.sh', `[ "$1" = --list ] || exit 3\ncat <<'EOF'\n${LIST_JSON.replace('"ubuntu"', '"{{env.HOME}}"')}\nEOF`);
    const inv = await loadInventory(s, { HOME: '/root' });
    expect(host(inv, 'nomad-1').ssh).toMatchObject({ address: '192.0.2.11', port: 2222, user: '{{env.HOME}}' });
  });

  it('asks --host NAME for each host when there is no _meta, passing the name as an argument only', async () => {
    const log = path.join(dir, 'host-calls.log');
    const hostile = `$(touch\${IFS}${dir}/pwned)`;
    const s = script('inv-host.sh', [
      `printf '%s\\n' "$*" >> ${log}`,
      'case "$1" in',
      `  --list) echo '{"cache": ["cache-1"], "clients": ["${hostile}", "nomad-2"]}' ;;`,
      '  --host) [ "$2" = nomad-2 ] && echo \'{"ansible_port": 2202}\' || echo \'{"ansible_host": "192.0.2.9"}\' ;;',
      'esac',
    ].join('\n'));
    const inv = await loadInventory(s, {});
    expect(host(inv, 'nomad-2').ssh.port).toBe(2202);
    expect(host(inv, hostile).ssh.address).toBe('192.0.2.9');
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).sort()).toEqual([`--host ${hostile}`, '--host cache-1', '--host nomad-2', '--list']);
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  });

  it('a non-zero exit, quoting stderr (control characters escaped)', async () => {
    const s = script('inv-fails.sh', 'echo "AccessDenied: no credentials \\033[31m" >&2\nexit 254');
    const p = await problems(s);
    expect(p).toEqual([{ file: s, path: '', message: `inventory script ${s} --list exited with status 254; its stderr: "AccessDenied: no credentials \\u001b[31m"` }]);
  });

  it('output that is not JSON, with its position in the output and stderr', async () => {
    const s = script('inv-notjson.sh', 'echo "warning: slow" >&2\necho "{not json"');
    const p = await problems(s);
    expect(p).toEqual([
      { file: `${s} --list`, line: 1, column: 2, path: '', message: 'not valid JSON: InvalidSymbol' },
      { file: s, path: '', message: `inventory script ${s} --list wrote on stderr: "warning: slow"` },
    ]);
  });

  it('a run past the time limit stops the script and what it started', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const s = script('inv-slow.sh', `sleep 30 &\necho $! > ${pidFile}\necho "still thinking" >&2\nwait`);
    const source = await readScriptInventory(s, process.env, 500);
    expect(source.problems).toEqual([{ file: s, path: '', message: `inventory script ${s} --list ran longer than 500 ms and was stopped; its stderr: "still thinking"` }]);
    // Gone, or a zombie waiting for init to reap it: either way no longer running.
    const state = () => {
      try {
        return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${readFileSync(pidFile, 'utf8').trim()}/status`, 'utf8'))?.[1];
      } catch {
        return 'gone';
      }
    };
    expect(['gone', 'Z']).toContain(state());
  });

  it('a credential with a control character in its output, at its place in the output, value not shown', async () => {
    const s = script('inv-secret.sh', `[ "$1" = --list ] || { echo '{}'; exit 0; }\ncat <<'EOF'\n{"cache": {"hosts": ["c"], "vars": {"registry_proxy_username": "u",\n  "registry_proxy_password": "s3cret\\r\\nX: y"}}, "clients": ["n"]}\nEOF`);
    const p = await problems(s);
    expect(p).toEqual([{ file: `${s} --list`, line: 2, column: 30, path: 'cache.vars.registry_proxy_password', message: 'must not contain control characters (found a carriage return, U+000D)' }]);
  });

  it('output that is not UTF-8', async () => {
    const s = script('inv-latin1.sh', "printf '{\"clients\": [\"caf\\351\"]}'");
    expect((await problems(s))[0]!.message).toMatch(/printed text that is not UTF-8/);
  });
});

describe('several sources', () => {
  it('unites groups; a later source\'s host vars and group vars win; host vars beat group vars', async () => {
    const staticCache = file('multi/static.yml', [
      'all:',
      '  vars: { ansible_user: ops }',
      'cache:',
      '  hosts:',
      '    cache-1: { ansible_host: 192.0.2.1 }',
      'clients:',
      '  vars: { ansible_port: 2200 }',
      '  hosts:',
      '    nomad-1: { ansible_host: 192.0.2.11, ansible_user: first }',
      '',
    ].join('\n'));
    const live = file('multi/live.ini', ['[clients]', 'nomad-1 ansible_user=second', 'nomad-2 ansible_host=192.0.2.12', '[clients:vars]', 'ansible_port=2222'].join('\n'));
    const inv = await loadInventory([staticCache, live], {});
    expect(inv.sources).toEqual([staticCache, live]);
    expect(inv.file).toBe(`${staticCache}, ${live}`);
    expect(inv.clients.map((h) => h.name)).toEqual(['nomad-1', 'nomad-2']);
    expect(host(inv, 'nomad-1').ssh).toMatchObject({ address: '192.0.2.11', user: 'second', port: 2222 });
    expect(host(inv, 'nomad-2').ssh).toMatchObject({ user: 'ops', port: 2222 });
    expect(inv.clientSettings(host(inv, 'nomad-2')).mirrors).toEqual(['http://192.0.2.1']);
    const reversed = await loadInventory([live, staticCache], {});
    expect(host(reversed, 'nomad-1').ssh).toMatchObject({ user: 'first', port: 2200 });
  });

  it('reports the problems of every source, source by source', async () => {
    const a = file('multi/a.yml', 'cache:\n  hosts: { cache-1: { mirror_port: 0 } }\n');
    const b = file('multi/b.ini', '[clients]\nn1 ansible_port=x\n');
    const p = await problems([b, a]);
    expect(p.map((x) => [x.file, x.line])).toEqual([[b, 2], [a, 2]]);
  });
});
