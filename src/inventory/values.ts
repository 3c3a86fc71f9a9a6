// Parsers for single inventory values. Each returns the normalised value or a message saying
// what is wrong; none of them knows about YAML, paths in the file or which key it is checking.
import { isIP } from 'node:net';
import path from 'node:path';
import { mirrorAddress } from '../core/mirror-url.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (message: string): Parsed<never> => ({ ok: false, message });

/** How a value reads in a message: strings quoted, other types named. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_NAMES: Readonly<Record<string, string>> = { '\n': 'a newline', '\r': 'a carriage return', '\0': 'a NUL', '\t': 'a tab', '\u001b': 'an escape' };

/**
 * The first control character (C0, DEL or C1) in `text`, named without quoting the text, or
 * undefined. No inventory value needs one; in a credential, a newline would inject lines into
 * the file that carries it, and in a name, escapes would reach the operator's terminal.
 */
export function controlCharacter(text: string): string | undefined {
  const found = CONTROL.exec(text)?.[0];
  if (found === undefined) return undefined;
  const code = `U+${found.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CONTROL_NAMES[found];
  return name ? `${name}, ${code}` : code;
}

/** Every control character (C0, DEL, C1) written as \uXXXX, so that nothing reaches a terminal raw. */
export function escapeControls(text: string): string {
  return text.replace(new RegExp(CONTROL.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text quoted for a message with every control character escaped. */
export function visible(text: string): string {
  return escapeControls(JSON.stringify(text));
}

export function parseString(value: unknown): Parsed<string> {
  if (typeof value !== 'string') {
    const hint = typeof value === 'number' ? ' (quote it: YAML reads it as a number)' : '';
    return bad(`must be a string, got ${describe(value)}${hint}`);
  }
  if (value.trim() === '') return bad('must not be empty');
  const control = controlCharacter(value);
  if (control) return bad(`must not contain control characters (found ${control})`);
  return ok(value);
}

/** A string without whitespace (user names, host names, image references). */
export function parseWord(value: unknown): Parsed<string> {
  const s = parseString(value);
  if (!s.ok) return s;
  if (/\s/.test(s.value)) return bad(`must not contain whitespace, got ${describe(s.value)}`);
  return s;
}

/** An integer, given as a YAML number or as a string of digits (e.g. after {{ env.X }}). */
export function parseInteger(value: unknown, min: number, max: number): Parsed<number> {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
  else return bad(`must be an integer from ${min} to ${max}, got ${describe(value)}`);
  if (!Number.isInteger(n) || n < min || n > max) {
    return bad(`must be an integer from ${min} to ${max}, got ${n}`);
  }
  return ok(n);
}

export function parsePort(value: unknown): Parsed<number> {
  return parseInteger(value, 1, 65535);
}

// What Ansible's boolean filter reads as true or false (module_utils/parsing/convert_bool.py).
// Anything else is refused rather than read as false, as that filter would.
const TRUE_WORDS = new Set(['true', 'yes', 'on', 'y', 't', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', 'n', 'f', '0']);

/** A boolean: true/false, or (as text or 1/0) what Ansible's boolean filter accepts, in any case. */
export function parseBool(value: unknown): Parsed<boolean> {
  if (typeof value === 'boolean') return ok(value);
  if (value === 1 || value === 0) return ok(value === 1);
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (TRUE_WORDS.has(s)) return ok(true);
    if (FALSE_WORDS.has(s)) return ok(false);
  }
  return bad(`must be true or false (or yes/no, on/off, 1/0), got ${describe(value)}`);
}

/** A host name or IP address. IPv6 may be given bare or in brackets; it is returned bare. */
export function parseAddress(value: unknown): Parsed<string> {
  const s = parseWord(value);
  if (!s.ok) return s;
  const v = s.value;
  if (v.startsWith('[') && v.endsWith(']')) {
    const inner = v.slice(1, -1);
    return isIP(inner) === 6 ? ok(inner) : bad(`${describe(v)} is not a bracketed IPv6 address`);
  }
  if (v.includes(':') && isIP(v) !== 6) {
    return bad(`${describe(v)} is not a host name or IP address (give the port separately)`);
  }
  if (/[/@[\]]/.test(v)) return bad(`${describe(v)} is not a host name or IP address`);
  return ok(v);
}

/** An address as it goes into a URL or host:port: IPv6 in brackets. */
export function urlHost(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/** An absolute POSIX path on a remote host, normalised (no trailing slash, no `..`). */
export function parseRemotePath(value: unknown): Parsed<string> {
  const s = parseWord(value);
  if (!s.ok) return s;
  if (!path.posix.isAbsolute(s.value)) return bad(`must be an absolute path, got ${describe(s.value)}`);
  const normal = path.posix.normalize(s.value);
  return ok(normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal);
}

/**
 * A local file path: `~` and `~/...` expand to `home`; relative paths are resolved against
 * `baseDir` (the inventory file's directory), so an inventory means the same from any cwd.
 */
export function parseLocalPath(value: unknown, baseDir: string, home: string): Parsed<string> {
  const s = parseString(value);
  if (!s.ok) return s;
  const v = s.value;
  if (v === '~' || v.startsWith('~/')) return ok(path.join(home, v.slice(1)));
  if (v.startsWith('~')) return bad(`~user paths are not supported, got ${describe(v)}; use an absolute path`);
  return ok(path.resolve(baseDir, v));
}

/** An http(s) URL without credentials, query or fragment. Returned as written, trimmed. */
export function parseHttpUrl(value: unknown): Parsed<string> {
  const s = parseWord(value);
  if (!s.ok) return s;
  let url: URL;
  try {
    url = new URL(s.value);
  } catch {
    return bad(`must be an http:// or https:// URL, got ${describe(s.value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return bad(`must be an http:// or https:// URL, got ${describe(s.value)}`);
  }
  if (url.hostname === '') return bad(`URL has no host: ${describe(s.value)}`);
  if (url.username || url.password) {
    return bad('URL must not contain credentials (use registry_proxy_username/registry_proxy_password)');
  }
  if (url.search || url.hash || s.value.includes('?') || s.value.includes('#')) {
    return bad(`URL must not have a query or fragment, got ${describe(s.value)}`);
  }
  return ok(s.value);
}

/** A registry mirror: http(s)://HOST[:PORT] only (see core/mirror-url.ts), returned canonical, without a trailing `/`. */
export function parseMirror(value: unknown): Parsed<string> {
  const s = parseWord(value);
  if (!s.ok) return s;
  try {
    return ok(mirrorAddress(s.value).url);
  } catch (err) {
    return bad((err as Error).message);
  }
}

/** One of a fixed set of words, written exactly. */
export function parseChoice<T extends string>(choices: readonly T[]): (value: unknown) => Parsed<T> {
  return (value) =>
    typeof value === 'string' && (choices as readonly string[]).includes(value)
      ? ok(value as T)
      : bad(`must be one of ${choices.join(', ')}, got ${describe(value)}`);
}

/** An IPv4/IPv6 address or CIDR (`10.0.0.0/8`, `fd00::/8`). Returned as written, trimmed. */
export function parseCidr(value: unknown): Parsed<string> {
  if (typeof value !== 'string' || value.trim() === '') {
    return bad(`must be an IP address or CIDR, got ${describe(value)}`);
  }
  const v = value.trim();
  const slash = v.indexOf('/');
  const addr = slash === -1 ? v : v.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) return bad(`${describe(v)} is not an IP address or CIDR`);
  if (slash !== -1) {
    const prefix = v.slice(slash + 1);
    const max = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
      return bad(`${describe(v)} has an invalid prefix length (0-${max})`);
    }
  }
  return ok(v);
}

/** A parsed fleet_jump_host. `user` is absent when not written (the host's ansible_user applies). */
export interface JumpSpec {
  readonly user?: string;
  readonly address: string;
  readonly port: number;
}

/** `user@host[:port]` or `host[:port]`; IPv6 as `[addr]:port` or bare `addr` (no port). */
export function parseJumpHost(value: unknown): Parsed<JumpSpec> {
  const s = parseWord(value);
  if (!s.ok) return s;
  const form = 'expected user@host[:port] or host[:port]';
  let rest = s.value;
  let user: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '' || rest.includes('@')) return bad(`${describe(s.value)}: ${form}`);
  }
  let host = rest;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
    if (!m || isIP(m[1] ?? '') !== 6) return bad(`${describe(s.value)}: bracketed host must be an IPv6 address`);
    host = m[1] as string;
    portText = m[2];
  } else if (isIP(rest) === 6) {
    host = rest;
  } else {
    const colon = rest.indexOf(':');
    if (colon !== -1) {
      host = rest.slice(0, colon);
      portText = rest.slice(colon + 1);
    }
  }
  if (host === '' || (/[/[\]:]/.test(host) && isIP(host) !== 6)) return bad(`${describe(s.value)}: ${form}`);
  let port = 22;
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText)) return bad(`${describe(s.value)}: port must be a number`);
    const p = parsePort(portText);
    if (!p.ok) return bad(`${describe(s.value)}: port ${p.message}`);
    port = p.value;
  }
  return ok(user === undefined ? { address: host, port } : { user, address: host, port });
}
