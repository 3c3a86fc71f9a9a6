// A mirror URL as the runtimes other than dockerd need it: Podman's registries.conf wants the
// host (`location = "10.0.0.5"`, `insecure = true` for plain http), containerd's hosts.toml the
// scheme and host (`[host."http://10.0.0.5"]`). Only a scheme and a host[:port] are accepted:
// a path would mean a registry namespace to Podman and an API path override to containerd.

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
  if (scheme !== 'http' && scheme !== 'https') throw new Error(`mirror ${JSON.stringify(raw)}: scheme must be http or https`);
  if (parsed.username || parsed.password) throw new Error(`mirror ${JSON.stringify(raw)}: credentials in a mirror URL are not supported`);
  if (parsed.pathname.replace(/\/+$/, '') !== '' || parsed.search || parsed.hash) {
    throw new Error(`mirror ${JSON.stringify(raw)}: a path, query or fragment is not supported (only ${scheme}://HOST[:PORT])`);
  }
  return { url: `${scheme}://${parsed.host}`, scheme, host: parsed.host };
}
