// Mirror URLs, parsed and compared in one place.
//
// What a mirror is: a scheme and a host[:port], nothing else. A path is refused: dockerd before
// 24.0.8 refuses a mirror with a path (and would not start), Podman's registries.conf reads one
// as a registry namespace and containerd's hosts.toml as an API path override, so one inventory
// value could not mean the same on every client. Trailing slashes mean nothing: dockerd adds one
// to every mirror it reports (`docker info` shows `http://10.0.0.5/`).

export interface MirrorAddress {
  /** scheme://host[:port], no trailing slash: how the mirror is named everywhere. */
  readonly url: string;
  readonly scheme: 'http' | 'https';
  /** host[:port] (IPv6 hosts in brackets). */
  readonly host: string;
}

/** Parse a mirror URL; throws with a message naming the URL when it cannot be used. */
export function mirrorAddress(raw: string): MirrorAddress {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`mirror ${JSON.stringify(raw)} is not a URL (expected http://HOST[:PORT] or https://HOST[:PORT])`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') throw new Error(`mirror ${JSON.stringify(raw)}: scheme must be http or https (expected http://HOST[:PORT] or https://HOST[:PORT])`);
  if (parsed.username || parsed.password) throw new Error(`mirror ${JSON.stringify(raw)}: credentials in a mirror URL are not supported`);
  if (parsed.pathname.replace(/\/+$/, '') !== '' || parsed.search || parsed.hash) {
    throw new Error(`mirror ${JSON.stringify(raw)}: a path, query or fragment is not supported (only ${scheme}://HOST[:PORT]; ` +
      'dockerd before 24.0.8 refuses a mirror path, Podman and containerd read one differently)');
  }
  return { url: `${scheme}://${parsed.host}`, scheme, host: parsed.host };
}

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\/\S*$/i;

/**
 * The form in which two mirrors are compared, for any text (a daemon.json or `docker info` on a
 * host may hold anything, so this never throws): trailing slashes removed; for an http(s) URL
 * also the scheme and host lower-cased and a default port dropped, as dockerd and the URL
 * standard treat them the same. Anything else (a path, text that is no URL) is kept as written,
 * so a mirror fleet would refuse never compares equal to one it wrote.
 */
export function canonicalMirror(raw: string): string {
  const stripped = raw.replace(/\/+$/, '');
  if (!ABSOLUTE_URL.test(raw)) return stripped;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return stripped;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return stripped;
  const credentials = parsed.username ? `${parsed.username}${parsed.password ? `:${parsed.password}` : ''}@` : '';
  return `${parsed.protocol}//${credentials}${parsed.host}${parsed.pathname.replace(/\/+$/, '')}${parsed.search}${parsed.hash}`;
}

/** Two mirror lists name the same mirrors in the same order (the order is the failover order). */
export function sameMirrors(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((m, i) => canonicalMirror(m) === canonicalMirror(b[i]!));
}
