// Inventories written to hurt: YAML alias bombs, and credentials that would inject lines into
// the files they are written to.
import { describe, expect, it } from 'vitest';
import { type FieldProblem, InventoryError } from '../core/errors.js';
import { parseInventory } from './load.js';

const FILE = '/srv/inv/hosts.yml';

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): FieldProblem[] {
  try {
    parseInventory(text, FILE, env);
  } catch (err) {
    if (err instanceof InventoryError) return [...err.problems];
    throw err;
  }
  throw new Error('expected an InventoryError');
}

/** Nine copies of the previous level, `levels` deep: 9^levels nodes from a few hundred bytes. */
function billionLaughs(levels: number, where: string): string {
  const lines = ['x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= levels; i++) lines.push(`x${i}: &x${i} [${Array(9).fill(`*x${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n${where.replaceAll('TOP', `*x${levels}`)}\n`;
}

describe('YAML alias expansion has a budget', () => {
  it.each([
    ['a var', 'clients:\n  hosts:\n    nomad-1: { mirror_allow_cidrs: [TOP, TOP] }'],
    ['a group', 'clients: TOP'],
    ['a merge key', 'clients:\n  hosts:\n    nomad-1: { <<: [TOP] }'],
  ])('refuses a billion-laughs document that expands in %s, naming the file', (_, where) => {
    const text = billionLaughs(9, where); // 9^9 = 387 million nodes
    expect(text.length).toBeLessThan(1000);
    const all = problemsOf(text);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ file: FILE, line: expect.any(Number) });
    expect(all[0]!.message).toMatch(/YAML aliases expand to more than 100000 nodes/);
  });

  it('counts many small aliases too, not only one big one', () => {
    const hosts = Array.from({ length: 12_000 }, (_, i) => `    n${i}: *v`).join('\n');
    const text = `x: &v { ansible_port: 22, ansible_user: a, ansible_become: true, mirror_url: [http://m.example/] }\nclients:\n  hosts:\n${hosts}\n`;
    expect(problemsOf(text)[0]!.message).toMatch(/YAML aliases expand to more than/);
  });

  it('still reads ordinary reuse of anchors', () => {
    const hosts = Array.from({ length: 1000 }, (_, i) => `    n${i}: *v`).join('\n');
    const text = `cache:\n  hosts:\n    c1: &v { ansible_port: 2222, ansible_user: ops, mirror_allow_cidrs: [10.0.0.0/8] }\nclients:\n  hosts:\n${hosts}\n`;
    const inv = parseInventory(text, FILE, {});
    expect(inv.clients).toHaveLength(1000);
    expect(inv.clients[999]!.ssh).toMatchObject({ port: 2222, user: 'ops' });
  });
});

describe('credentials with control characters are refused at load, value never shown', () => {
  const inventory = (password: string) => [
    'cache:',
    '  hosts:',
    '    cache-1:',
    '      registry_proxy_username: fleet',
    `      registry_proxy_password: ${password}`,
    'clients:',
    '  hosts: { nomad-1: }',
    '',
  ].join('\n');

  it.each([
    ['a newline', '"s3cret\\nREGISTRY_PROXY_REMOTEURL=http://evil"', /a newline, U\+000A/],
    ['a carriage return', '"s3cret\\r"', /a carriage return, U\+000D/],
    ['a NUL', '"s3cret\\0"', /a NUL, U\+0000/],
    ['an escape', '"s3cret\\e[2J"', /an escape, U\+001B/],
    ['DEL', '"s3cret\\x7f"', /U\+007F/],
  ])('%s in the password', (_, written, found) => {
    const all = problemsOf(inventory(written));
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ file: FILE, line: 5, path: 'cache.hosts.cache-1.registry_proxy_password' });
    expect(all[0]!.message).toMatch(/must not contain control characters/);
    expect(all[0]!.message).toMatch(found);
    expect(all[0]!.message).not.toContain('s3cret');
  });

  it('a newline that comes from the environment', () => {
    const all = problemsOf(inventory('"{{ env.HUB_TOKEN }}"'), { HUB_TOKEN: 'tok\nen' });
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ line: 5, path: 'cache.hosts.cache-1.registry_proxy_password' });
    expect(all[0]!.message).not.toContain('tok');
  });

  it('the username too, and a tab', () => {
    const text = inventory('ok').replace('registry_proxy_username: fleet', 'registry_proxy_username: "fl\\teet"');
    expect(problemsOf(text)[0]).toMatchObject({ line: 4, path: 'cache.hosts.cache-1.registry_proxy_username', message: expect.stringMatching(/a tab/) });
  });

  it('and any other string var, and host names', () => {
    const all = problemsOf('clients:\n  hosts:\n    "nomad-1\\e]52;c;x\\a": { mirror_url: "http://m.example" }\n    nomad-2: { mirror_url: "http://m.example", ansible_python_interpreter: "/usr/bin/python3\\u0085" }\n');
    expect(all.map((p) => [p.line, p.message])).toEqual([
      [3, expect.stringMatching(/^host name .* must not contain control characters \(found an escape, U\+001B\)/)],
      [4, expect.stringMatching(/must not contain control characters \(found U\+0085\)/)],
    ]);
  });
});
