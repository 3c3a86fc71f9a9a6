// OpenSSH known_hosts format: parsing, host matching and key checks. Pure functions, no I/O.
//
// Line format: [@marker] hostpatterns keytype base64-key [comment]
//   hostpatterns: comma list of patterns (`host`, `[host]:port`, `*.example.com`, `!negated`)
//                 or one hashed entry `|1|base64(salt)|base64(hmac-sha1(salt, name))`.
// A host on port 22 is looked up as `host`, on any other port as `[host]:port`.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type HostMatcher =
  | { readonly kind: 'patterns'; readonly patterns: readonly string[] }
  | { readonly kind: 'hashed'; readonly salt: Buffer; readonly hash: Buffer };

export interface KnownHostEntry {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly revoked: boolean;
  readonly hosts: HostMatcher;
  readonly keyType: string;
  /** Decoded public key blob (the SSH wire format the server sends). */
  readonly key: Buffer;
}

export type HostKeyCheck =
  | { readonly status: 'ok'; readonly entry: KnownHostEntry }
  | { readonly status: 'unknown' }
  /** The host has known keys and the offered one is none of them. */
  | { readonly status: 'changed'; readonly known: readonly KnownHostEntry[] }
  /** The offered key is marked @revoked. */
  | { readonly status: 'revoked'; readonly entry: KnownHostEntry };

/** Parse known_hosts text. Comments, blank, malformed and @cert-authority lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const entry = parseKnownHostsLine(raw, index + 1);
    if (entry) entries.push(entry);
  });
  return entries;
}

export function parseKnownHostsLine(raw: string, line: number): KnownHostEntry | undefined {
  const text = raw.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  const fields = text.split(/[ \t]+/);
  let revoked = false;
  if (fields[0]?.startsWith('@')) {
    const marker = fields.shift();
    if (marker === '@revoked') revoked = true;
    else return undefined; // @cert-authority (host certificates are not supported) or unknown marker
  }
  const [hostField, keyType, keyBase64] = fields;
  if (!hostField || !keyType || !keyBase64) return undefined;
  const key = decodeBase64Strict(keyBase64);
  if (!key || keyTypeOf(key) !== keyType) return undefined;
  const hosts = parseHostField(hostField);
  if (!hosts) return undefined;
  return { line, revoked, hosts, keyType, key };
}

function parseHostField(field: string): HostMatcher | undefined {
  if (field.startsWith('|')) {
    const parts = field.split('|'); // ['', '1', salt, hash]
    if (parts.length !== 4 || parts[1] !== '1') return undefined;
    const salt = decodeBase64Strict(parts[2] ?? '');
    const hash = decodeBase64Strict(parts[3] ?? '');
    if (!salt || !hash || hash.length !== 20) return undefined;
    return { kind: 'hashed', salt, hash };
  }
  const patterns = field
    .split(',')
    .map((p) => p.toLowerCase())
    .filter((p) => p !== '');
  return patterns.length > 0 ? { kind: 'patterns', patterns } : undefined;
}

function decodeBase64Strict(text: string): Buffer | undefined {
  if (text === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.length > 0 ? buf : undefined;
}

/** The name a host is recorded under: `host` for port 22, `[host]:port` otherwise (lowercase). */
export function knownHostsName(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether an entry's host field matches a lookup name from `knownHostsName`. */
export function entryMatches(hosts: HostMatcher, name: string): boolean {
  if (hosts.kind === 'hashed') {
    const digest = createHmac('sha1', hosts.salt).update(name).digest();
    return digest.length === hosts.hash.length && timingSafeEqual(digest, hosts.hash);
  }
  let matched = false;
  for (const pattern of hosts.patterns) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false; // a negated match wins
    } else if (globMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** OpenSSH-style wildcard match: `*` any run, `?` one character. */
export function globMatch(pattern: string, text: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === text;
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === text[t])) {
      p++;
      t++;
    } else if (pc === '*') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Check the key a server offered against the known entries for `name` (from `knownHostsName`).
 * A key marked @revoked is refused whatever host pattern the @revoked line carries.
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyCheck {
  const revoked = entries.find((e) => e.revoked && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const known = entries.filter((e) => !e.revoked && entryMatches(e.hosts, name));
  const same = known.find((e) => e.key.equals(key));
  if (same) return { status: 'ok', entry: same };
  return known.length === 0 ? { status: 'unknown' } : { status: 'changed', known };
}

/** Key types recorded (not revoked) for a host, in file order, without duplicates. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types: string[] = [];
  for (const e of entries) {
    if (!e.revoked && entryMatches(e.hosts, name) && !types.includes(e.keyType)) types.push(e.keyType);
  }
  return types;
}

/** The key type of an SSH public key blob: its first length-prefixed string. */
export function keyTypeOf(key: Buffer): string | undefined {
  if (key.length < 4) return undefined;
  const len = key.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > key.length) return undefined;
  const type = key.toString('latin1', 4, 4 + len);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** OpenSSH's fingerprint format: `SHA256:` + unpadded base64 of the blob's SHA-256. */
export function fingerprintSha256(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** One known_hosts line (no trailing newline) recording `key` for address:port. */
export function formatKnownHostsLine(address: string, port: number, key: Buffer): string {
  const type = keyTypeOf(key);
  if (!type) throw new Error('not an SSH public key blob');
  return `${knownHostsName(address, port)} ${type} ${key.toString('base64')}`;
}

/** Hash a host name the way `ssh-keygen -H` / HashKnownHosts does (for tests and tooling). */
export function hashHostName(name: string, salt: Buffer): string {
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')}`;
}
