// The Nomad source against a stand-in server speaking Nomad's HTTP API.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type NomadStandIn, node, startNomadStandIn } from '../../../test/unit/nomad-stand-in.js';
import { type TestCa, makeTestCa } from '../../../test/unit/test-ca.js';
import { type FieldProblem, InventoryError } from '../../core/errors.js';
import { loadInventory } from '../load.js';
import type { Inventory } from '../model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'fleet-nomad-'));
const TOKEN = 'b1f0c3e2-5a7d-4e6f-8c9b-0a1b2c3d4e5f';
const servers: NomadStandIn[] = [];

async function standIn(...args: Parameters<typeof startNomadStandIn>): Promise<NomadStandIn> {
  const s = await startNomadStandIn(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

let n = 0;
function source(lines: string[]): string {
  const file = path.join(dir, `nomad-${++n}.yml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const staticCache = path.join(dir, 'static-cache.yml');
writeFileSync(staticCache, 'cache:\n  hosts:\n    cache-1: { ansible_host: 192.0.2.1 }\n');

async function problems(sources: string[], env: NodeJS.ProcessEnv = {}): Promise<FieldProblem[]> {
  const err = await loadInventory(sources, env).then(() => undefined, (e: unknown) => e);
  if (err instanceof InventoryError) return [...err.problems];
  throw new Error(`expected an InventoryError, got ${String(err)}`);
}

const FLEET = () => [
  node('i-0aa1', '10.0.1.11'),
  node('i-0aa2', '10.0.1.12'),
  node('i-0dead', '10.0.1.13', { Status: 'down' }),
  node('i-0new', '10.0.1.14', { Status: 'initializing' }),
  node('i-0drain', '10.0.1.15', { Drain: true, SchedulingEligibility: 'ineligible' }),
  node('i-0inel', '10.0.1.16', { SchedulingEligibility: 'ineligible' }),
  node('i-0gpu', '10.0.1.17', { NodeClass: 'linux-gpu' }),
];

describe('Nomad source', () => {
  it('lists every ready, eligible node as a client named by Name, at Address, with the vars; says why others are left out', async () => {
    const s = await standIn({ nodes: FLEET(), token: TOKEN });
    const inv: Inventory = await loadInventory([staticCache, source([
      'plugin: nomad',
      `address: ${s.address}`,
      'token: "{{ env.NOMAD_TOKEN }}"',
      'vars:',
      '  ansible_user: ubuntu',
      '  ansible_become: true',
    ])], { NOMAD_TOKEN: TOKEN });
    expect(inv.clients.map((h) => [h.name, h.ssh.address, h.ssh.user, h.become])).toEqual([
      ['i-0aa1', '10.0.1.11', 'ubuntu', true],
      ['i-0aa2', '10.0.1.12', 'ubuntu', true],
      ['i-0gpu', '10.0.1.17', 'ubuntu', true],
    ]);
    expect(inv.clientSettings(inv.clients[0]!).mirrors).toEqual(['http://192.0.2.1']);
    expect(inv.notes.map((note) => note.replace(/^.*?: /, ''))).toEqual([
      expect.stringMatching(/^Nomad node i-0dead \(\w+\) left out: status down$/),
      expect.stringMatching(/^Nomad node i-0drain \(\w+\) left out: draining$/),
      expect.stringMatching(/^Nomad node i-0inel \(\w+\) left out: ineligible for scheduling$/),
      expect.stringMatching(/^Nomad node i-0new \(\w+\) left out: status initializing$/),
    ]);
    expect(s.requests).toEqual([{ method: 'GET', path: '/v1/nodes', query: {}, token: TOKEN }]);
    expect(JSON.stringify(inv.hosts)).not.toContain(TOKEN);
  });

  it('filters by node class, pool and datacenter; can include draining and ineligible nodes; joins another group', async () => {
    const nodes = [...FLEET(), node('i-0eu', '10.0.2.1', { Datacenter: 'eu1' }), node('i-0pool', '10.0.2.2', { NodePool: 'batch' })];
    const s = await standIn({ nodes });
    const children = path.join(dir, 'children.ini');
    writeFileSync(children, '[clients:children]\nnomad_clients\n');
    const again = await loadInventory([staticCache, source([
      'plugin: nomad',
      `address: ${s.address}`,
      'node_class: linux-64bit',
      'node_pool: default',
      'datacenter: dc1',
      'include_draining: true',
      'include_ineligible: yes',
      'group: nomad_clients',
      'region: global',
    ]), children], {});
    expect(again.clients.map((h) => h.name)).toEqual(['i-0aa1', 'i-0aa2', 'i-0drain', 'i-0inel']);
    expect(again.notes.join('\n')).toMatch(/i-0gpu .* node class linux-gpu, not linux-64bit/);
    expect(again.notes.join('\n')).toMatch(/i-0eu .* datacenter eu1, not dc1/);
    expect(again.notes.join('\n')).toMatch(/i-0pool .* node pool batch, not default/);
    expect(s.requests.at(-1)?.query).toEqual({ region: 'global' });
  });

  it('takes the address and the token from NOMAD_ADDR and NOMAD_TOKEN by default', async () => {
    const s = await standIn({ nodes: [node('i-1', '10.0.0.1')], token: TOKEN });
    const inv = await loadInventory([staticCache, source(['plugin: nomad'])], { NOMAD_ADDR: s.address, NOMAD_TOKEN: TOKEN });
    expect(inv.clients.map((h) => h.name)).toEqual(['i-1']);
  });

  it('a refusing API is an inventory error naming the address and the HTTP status, never the token', async () => {
    const s = await standIn({ nodes: FLEET(), token: TOKEN });
    const nomad = source(['plugin: nomad', `address: ${s.address}`, 'token: wrong-token-value']);
    const p = await problems([staticCache, nomad]);
    expect(p).toEqual([{ file: nomad, path: '', message: `the Nomad API at ${s.address} answered HTTP 403 Forbidden for GET /v1/nodes: "ACL token not found"` }]);
    const anonymous = await problems([staticCache, source(['plugin: nomad', `address: ${s.address}`])]);
    expect(anonymous[0]!.message).toMatch(/HTTP 403 Forbidden .*Permission denied/);
    expect(JSON.stringify([p, anonymous])).not.toContain('wrong-token-value');
    s.options = { ...s.options, refuse: 500 };
    expect((await problems([staticCache, source(['plugin: nomad', `address: ${s.address}`, `token: ${TOKEN}`])]))[0]!.message).toMatch(/answered HTTP 500 Internal Server Error/);
  });

  it('an unreachable or silent API is an inventory error naming the address', async () => {
    const s = await standIn({ nodes: [] });
    await s.close();
    const p = await problems([staticCache, source(['plugin: nomad', `address: ${s.address}`])]);
    expect(p[0]!.message).toBe(`cannot reach the Nomad API at ${s.address}: connect ECONNREFUSED 127.0.0.1:${s.port}`);
    const silent = await standIn({ nodes: [], silent: true });
    const q = await problems([staticCache, source(['plugin: nomad', `address: ${silent.address}`, 'timeout: 1'])]);
    expect(q[0]!.message).toBe(`cannot reach the Nomad API at ${silent.address}: no answer within 1 s`);
  });

  it('refuses a token with control characters at load, naming the field, without asking the API', async () => {
    const s = await standIn({ nodes: [node('i-1', '10.0.0.1')] });
    const nomad = source(['plugin: nomad', `address: ${s.address}`, 'token: "abc\\r\\nX-Injected: 1"']);
    const p = await problems([staticCache, nomad]);
    expect(p).toEqual([expect.objectContaining({ file: nomad, line: 3, path: 'token', message: expect.stringMatching(/control characters \(found a carriage return/) })]);
    expect(JSON.stringify(p)).not.toContain('abc');
    const fromEnv = await problems([staticCache, source(['plugin: nomad', `address: ${s.address}`])], { NOMAD_TOKEN: 'abc\ndef' });
    expect(fromEnv[0]!.message).toMatch(/^NOMAD_TOKEN \(from the environment\) must not contain control characters/);
    expect(s.requests).toEqual([]);
  });

  it('checks the configuration: unknown keys, bad values, each with file:line', async () => {
    const nomad = source(['plugin: nomad', 'address: nomad.internal:4646', 'token: x', 'node_clas: linux', 'client_cert: c.pem', 'timeout: 0', 'group: "a b"', 'vars:', '  ansible_prot: 22']);
    const p = await problems([staticCache, nomad]);
    expect(p.map((x) => [x.line, x.path, x.message])).toEqual([
      [2, 'address', expect.stringMatching(/http:\/\/ or https:\/\/ URL/)],
      [4, 'node_clas', expect.stringMatching(/^unknown key node_clas in a Nomad source/)],
      [5, 'client_cert', 'client_cert and client_key must be set together'],
      [6, 'timeout', expect.stringMatching(/integer from 1 to 600/)],
      [7, 'group', expect.stringMatching(/whitespace/)],
    ]);
  });

  it('node data is data: a hostile name or address is refused, and two ready nodes may not share a name', async () => {
    const s = await standIn({ nodes: [node('i-\u001b]52;c;eA==\u0007', '10.0.0.1'), node('i-2', '10.0.0.2; reboot'), node('i-3', '10.0.0.3'), node('i-3', '10.0.0.4')] });
    const nomad = source(['plugin: nomad', `address: ${s.address}`, 'vars: { mirror_url: "{{ env.MIRROR }}" }']);
    const p = await problems([nomad], { MIRROR: 'http://m.example' });
    expect(p.map((x) => [x.path, x.message])).toEqual([
      ['nodes.i-\\u001b]52;c;eA==\\u0007.Name', 'host name "i-\\u001b]52;c;eA==\\u0007" must not contain control characters (found an escape, U+001B)'],
      ['nodes.i-3.Name', expect.stringMatching(/^two ready Nomad nodes are named i-3 \(IDs .* and .*\): fleet needs one host per name$/)],
      ['nodes.i-2.Address', expect.stringMatching(/whitespace/)],
    ]);
    expect(new InventoryError(p).message).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('over TLS with a CA, a server name and a client certificate', async () => {
    const ca: TestCa = makeTestCa();
    const s = await standIn({ nodes: [node('i-1', '10.0.0.1')], token: TOKEN, tls: { key: ca.read(ca.serverKey), cert: ca.read(ca.serverCert), clientCa: ca.read(ca.caCert) } });
    const base = ['plugin: nomad', `address: ${s.address}`, `token: ${TOKEN}`];
    const withAll = [...base, `ca_cert: ${ca.caCert}`, 'tls_server_name: server.global.nomad', `client_cert: ${ca.clientCert}`, `client_key: ${ca.clientKey}`];
    const inv = await loadInventory([staticCache, source(withAll)], {});
    expect(inv.clients.map((h) => h.name)).toEqual(['i-1']);
    const noCa = await problems([staticCache, source(base)]);
    expect(noCa[0]!.message).toMatch(new RegExp(`^cannot reach the Nomad API at ${s.address}: .*(self-signed|unable to verify)`));
    const wrongName = await problems([staticCache, source(withAll.filter((l) => !l.startsWith('tls_server_name')))]);
    expect(wrongName[0]!.message).toMatch(/does not match certificate's altnames/);
    const noClientCert = await problems([staticCache, source(withAll.filter((l) => !l.startsWith('client_')))]);
    expect(noClientCert[0]!.message).toMatch(/^cannot reach the Nomad API/);
    const fromEnv = await loadInventory([staticCache, source(base)], { NOMAD_CACERT: ca.caCert, NOMAD_TLS_SERVER_NAME: 'server.global.nomad', NOMAD_CLIENT_CERT: ca.clientCert, NOMAD_CLIENT_KEY: ca.clientKey });
    expect(fromEnv.clients).toHaveLength(1);
  });

  it('offline (fleet schedule): checks the configuration without asking the API', async () => {
    const s = await standIn({ nodes: [node('i-1', '10.0.0.1')] });
    const inv = await loadInventory([staticCache, source(['plugin: nomad', `address: ${s.address}`])], {}, { offline: true });
    expect(inv.clients).toEqual([]);
    expect(s.requests).toEqual([]);
  });
});
