import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkHostKey,
  entryMatches,
  fingerprintSha256,
  formatKnownHostsLine,
  globMatch,
  hashHostName,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
} from './known-hosts.js';
import { KnownHostsStore } from './known-hosts-store.js';

function publicBlob(): { line: string; blob: Buffer; b64: string } {
  const { public: pub } = ssh2.utils.generateKeyPairSync('ed25519');
  const b64 = pub.split(' ')[1] ?? '';
  return { line: pub, blob: Buffer.from(b64, 'base64'), b64 };
}

const A = publicBlob();
const B = publicBlob();

describe('known_hosts parsing', () => {
  it('parses plain, bracketed, comma-list and commented lines', () => {
    const text = [
      '# a comment',
      '',
      `web1 ssh-ed25519 ${A.b64}`,
      `[10.0.0.5]:2222,10.0.0.6 ssh-ed25519 ${B.b64} some comment`,
      '   ',
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ line: 3, revoked: false, keyType: 'ssh-ed25519' });
    expect(entries[0]?.key.equals(A.blob)).toBe(true);
    expect(entries[1]?.hosts).toEqual({ kind: 'patterns', patterns: ['[10.0.0.5]:2222', '10.0.0.6'] });
    expect(entries[1]?.line).toBe(4);
  });

  it('skips @cert-authority, malformed lines and keys whose blob type disagrees', () => {
    const text = [
      `@cert-authority *.example.com ssh-ed25519 ${A.b64}`,
      'garbage',
      `host1 ssh-ed25519 not*base64`,
      `host2 ssh-rsa ${A.b64}`,
      `|1|bad|hash ssh-ed25519 ${A.b64}`,
      `host3 ssh-ed25519 ${A.b64}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => e.line)).toEqual([6]);
  });

  it('marks @revoked entries', () => {
    const [entry] = parseKnownHosts(`@revoked * ssh-ed25519 ${A.b64}`);
    expect(entry?.revoked).toBe(true);
  });

  it('handles CRLF line endings', () => {
    const entries = parseKnownHosts(`host1 ssh-ed25519 ${A.b64}\r\nhost2 ssh-ed25519 ${B.b64}\r\n`);
    expect(entries).toHaveLength(2);
  });
});

describe('host matching', () => {
  it('names port 22 plainly and other ports as [host]:port, lowercased', () => {
    expect(knownHostsName('Web1.Example.com', 22)).toBe('web1.example.com');
    expect(knownHostsName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  });

  it('matches plain entries only on port 22 and [host]:port only on that port', () => {
    const [plain, bracketed] = parseKnownHosts(`10.0.0.5 ssh-ed25519 ${A.b64}\n[10.0.0.5]:2222 ssh-ed25519 ${A.b64}`);
    expect(entryMatches(plain!.hosts, knownHostsName('10.0.0.5', 22))).toBe(true);
    expect(entryMatches(plain!.hosts, knownHostsName('10.0.0.5', 2222))).toBe(false);
    expect(entryMatches(bracketed!.hosts, knownHostsName('10.0.0.5', 2222))).toBe(true);
    expect(entryMatches(bracketed!.hosts, knownHostsName('10.0.0.5', 22))).toBe(false);
    expect(entryMatches(bracketed!.hosts, knownHostsName('10.0.0.5', 22222))).toBe(false);
  });

  it('matches hashed entries (HMAC-SHA1 of the name, keyed by the salt)', () => {
    const salt = randomBytes(20);
    const text = `${hashHostName('[10.0.0.5]:2222', salt)} ssh-ed25519 ${A.b64}`;
    const [entry] = parseKnownHosts(text);
    expect(entry?.hosts.kind).toBe('hashed');
    expect(entryMatches(entry!.hosts, '[10.0.0.5]:2222')).toBe(true);
    expect(entryMatches(entry!.hosts, '10.0.0.5')).toBe(false);
  });

  it('matches a known ssh-keygen -H output', () => {
    // Computed independently: HMAC-SHA1(key = salt, "example.com").
    const salt = Buffer.from('0123456789abcdefghij');
    const expected = hashHostName('example.com', salt);
    const [entry] = parseKnownHosts(`${expected} ssh-ed25519 ${A.b64}`);
    expect(entryMatches(entry!.hosts, 'example.com')).toBe(true);
    expect(expected.startsWith('|1|MDEyMzQ1Njc4OWFiY2RlZmdoaWo=|')).toBe(true);
  });

  it('supports wildcards and negation', () => {
    expect(globMatch('*.example.com', 'web1.example.com')).toBe(true);
    expect(globMatch('web?', 'web1')).toBe(true);
    expect(globMatch('web?', 'web12')).toBe(false);
    expect(globMatch('*', 'anything')).toBe(true);
    expect(globMatch('a*b*c', 'axxbyyc')).toBe(true);
    expect(globMatch('a*b*c', 'axxbyy')).toBe(false);
    const [entry] = parseKnownHosts(`*.example.com,!bad.example.com ssh-ed25519 ${A.b64}`);
    expect(entryMatches(entry!.hosts, 'good.example.com')).toBe(true);
    expect(entryMatches(entry!.hosts, 'bad.example.com')).toBe(false);
  });
});

describe('checkHostKey', () => {
  const name = knownHostsName('10.0.0.5', 2222);

  it('is ok for a recorded key, unknown for an unrecorded host', () => {
    const entries = parseKnownHosts(`[10.0.0.5]:2222 ssh-ed25519 ${A.b64}`);
    expect(checkHostKey(entries, name, A.blob).status).toBe('ok');
    expect(checkHostKey(entries, knownHostsName('10.0.0.6', 2222), A.blob).status).toBe('unknown');
  });

  it('reports a changed key with the known entries', () => {
    const entries = parseKnownHosts(`x ssh-ed25519 ${B.b64}\n[10.0.0.5]:2222 ssh-ed25519 ${A.b64}`);
    const result = checkHostKey(entries, name, B.blob);
    expect(result.status).toBe('changed');
    if (result.status === 'changed') expect(result.known.map((e) => e.line)).toEqual([2]);
  });

  it('accepts any of several keys recorded for a host', () => {
    const entries = parseKnownHosts(`[10.0.0.5]:2222 ssh-ed25519 ${A.b64}\n[10.0.0.5]:2222 ssh-ed25519 ${B.b64}`);
    expect(checkHostKey(entries, name, B.blob).status).toBe('ok');
  });

  it('refuses a revoked key even when it is also recorded as known', () => {
    const entries = parseKnownHosts(`[10.0.0.5]:2222 ssh-ed25519 ${A.b64}\n@revoked * ssh-ed25519 ${A.b64}`);
    expect(checkHostKey(entries, name, A.blob).status).toBe('revoked');
  });

  it('lists known key types for host key algorithm ordering', () => {
    const entries = parseKnownHosts(`[10.0.0.5]:2222 ssh-ed25519 ${A.b64}\n@revoked [10.0.0.5]:2222 ssh-ed25519 ${B.b64}`);
    expect(knownKeyTypes(entries, name)).toEqual(['ssh-ed25519']);
  });
});

describe('key helpers', () => {
  it('reads the key type from the blob', () => {
    expect(keyTypeOf(A.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.from([0, 0, 0, 200, 1]))).toBeUndefined();
    expect(keyTypeOf(Buffer.alloc(2))).toBeUndefined();
  });

  it('formats fingerprints like OpenSSH (unpadded base64 SHA-256)', () => {
    const fp = fingerprintSha256(A.blob);
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('formats a known_hosts line that parses back', () => {
    const line = formatKnownHostsLine('10.0.0.5', 2222, A.blob);
    expect(line).toBe(`[10.0.0.5]:2222 ssh-ed25519 ${A.b64}`);
    expect(formatKnownHostsLine('web1', 22, A.blob)).toBe(`web1 ssh-ed25519 ${A.b64}`);
    const [entry] = parseKnownHosts(line);
    expect(checkHostKey([entry!], '[10.0.0.5]:2222', A.blob).status).toBe('ok');
  });
});

describe('KnownHostsStore', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates the directory (0700) and file on first add, and serializes concurrent adds', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kh-'));
    const file = join(dir, 'sub', 'known_hosts');
    const store = new KnownHostsStore(file);
    await store.load();
    const results = await Promise.all([
      store.add('10.0.0.5', 2222, A.blob),
      store.add('10.0.0.5', 2222, A.blob),
      store.add('10.0.0.6', 22, B.blob),
      store.add('10.0.0.5', 2222, B.blob),
    ]);
    expect(results.map((r) => r.status)).toEqual(['unknown', 'ok', 'unknown', 'changed']);
    const text = await readFile(file, 'utf8');
    expect(text).toBe(`[10.0.0.5]:2222 ssh-ed25519 ${A.b64}\n10.0.0.6 ssh-ed25519 ${B.b64}\n`);
    expect((await stat(join(dir, 'sub'))).mode & 0o777).toBe(0o700);
    expect(store.check('10.0.0.6', 22, B.blob).status).toBe('ok');
  });

  it('appends after a last line that lacks a newline', async () => {
    dir = await mkdtemp(join(tmpdir(), 'kh-'));
    const file = join(dir, 'known_hosts');
    await writeFile(file, `web1 ssh-ed25519 ${A.b64}`);
    const store = new KnownHostsStore(file);
    await store.load();
    await store.add('web2', 22, B.blob);
    expect(await readFile(file, 'utf8')).toBe(`web1 ssh-ed25519 ${A.b64}\nweb2 ssh-ed25519 ${B.b64}\n`);
    const result = store.check('web2', 22, A.blob);
    expect(result.status === 'changed' && result.known[0]?.line).toBe(2);
  });
});
