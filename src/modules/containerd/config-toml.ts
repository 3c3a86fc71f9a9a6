// Setting the CRI plugin's registry `config_path` in containerd's config.toml, so containerd's
// CRI (what kubelet pulls through) reads certs.d/*/hosts.toml. Pure.
//
// No npm TOML library both is widely used and keeps comments and layout when it writes, so the
// edit is a minimal text edit: one line inserted under the registry table's header (or that
// table appended), then the result is parsed again and must equal the old document plus
// `config_path`, or nothing is written.
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'smol-toml';

type Table = Record<string, unknown>;

/** Where the CRI registry table lives, by config.toml version (2: containerd 1.x, 3: 2.x). */
const REGISTRY_TABLE: Readonly<Record<number, readonly string[]>> = {
  2: ['plugins', 'io.containerd.grpc.v1.cri', 'registry'],
  3: ['plugins', 'io.containerd.cri.v1.images', 'registry'],
};

export type ConfigPathEdit =
  /** config_path already names the directory: nothing to do. */
  | { readonly kind: 'set' }
  /** The new config.toml text. */
  | { readonly kind: 'edit'; readonly text: string; readonly reason: string }
  | { readonly kind: 'refuse'; readonly reason: string };

/**
 * The edit that makes containerd's CRI read hosts from `certsDir`. `text` undefined: no
 * config.toml yet (containerd runs on defaults); one is created in the version the running
 * containerd reads (`containerdMajor`).
 */
export function configPathEdit(text: string | undefined, certsDir: string, containerdMajor: number, path: string): ConfigPathEdit {
  const line = `config_path = ${JSON.stringify(certsDir)}`;
  if (text === undefined) {
    const version = containerdMajor >= 2 ? 3 : 2;
    return { kind: 'edit', text: `version = ${version}\n\n${header(REGISTRY_TABLE[version]!)}\n  ${line}\n`, reason: `create it with the CRI registry config_path ${certsDir}` };
  }
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (err) {
    return { kind: 'refuse', reason: `${path} is not valid TOML (${(err as Error).message.split('\n')[0]!.trim()}); left untouched` };
  }
  const version = doc.version;
  const tablePath = typeof version === 'number' ? REGISTRY_TABLE[version] : undefined;
  if (tablePath === undefined) {
    return { kind: 'refuse', reason: `${path} has config version ${version ?? '1 (no version key)'}; fleet edits versions 2 and 3 only (\`containerd config migrate\` converts it)` };
  }
  const registry = lookup(doc, tablePath);
  if (registry !== undefined && !isTable(registry)) return { kind: 'refuse', reason: `${path}: ${header(tablePath)} is not a table; left untouched` };
  for (const legacy of ['mirrors', 'configs']) {
    if (registry?.[legacy] !== undefined) {
      return { kind: 'refuse', reason: `${path} sets registry.${legacy} under ${header(tablePath)}; containerd refuses it together with config_path: move it to hosts.toml files first` };
    }
  }
  const current = registry?.config_path;
  if (current !== undefined) {
    if (typeof current === 'string' && current.split(':').includes(certsDir)) return { kind: 'set' };
    return { kind: 'refuse', reason: `${path} has config_path ${JSON.stringify(current)}; fleet's hosts.toml under ${certsDir} would not be read: add ${certsDir} to it by hand` };
  }
  const edited = insertKey(text, tablePath, line, registry !== undefined);
  if (edited === undefined) {
    return { kind: 'refuse', reason: `${path} defines ${header(tablePath)} without a header of its own (dotted keys or an inline table); set config_path = "${certsDir}" by hand` };
  }
  const check = parseOrUndefined(edited);
  const expected = plain(doc);
  ensureTable(expected, tablePath).config_path = certsDir;
  if (check === undefined || !isDeepStrictEqual(plain(check), expected)) {
    return { kind: 'refuse', reason: `${path} could not be edited safely (the edit would change more than config_path); set config_path = "${certsDir}" under ${header(tablePath)} by hand` };
  }
  return { kind: 'edit', text: edited, reason: `set config_path ${JSON.stringify(certsDir)} under ${header(tablePath)}` };
}

/** Insert `line` under the table's own header, or append the table when it does not exist. */
function insertKey(text: string, tablePath: readonly string[], line: string, exists: boolean): string | undefined {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => isHeaderOf(l, tablePath));
  if (at === -1) {
    if (exists) return undefined;
    const body = text === '' || text.endsWith('\n') ? text : `${text}${eol}`;
    return `${body}${eol}${header(tablePath)}${eol}  ${line}${eol}`;
  }
  const next = lines.slice(at + 1).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const headerIndent = /^\s*/.exec(lines[at]!)![0];
  const indent = next !== undefined && !next.trim().startsWith('[') ? /^\s*/.exec(next)![0] : `${headerIndent}  `;
  lines.splice(at + 1, 0, `${indent}${line}`);
  return lines.join(eol);
}

/** `[a."b.c".d]` with any spacing and quoting: is it the header of this table? */
function isHeaderOf(line: string, tablePath: readonly string[]): boolean {
  const match = /^\s*\[(?!\[)(.*)\](?!\])\s*(#.*)?$/.exec(line);
  if (!match) return false;
  const keys = parseDottedKey(match[1]!);
  return keys !== undefined && isDeepStrictEqual(keys, [...tablePath]);
}

/** `a . "b.c" . 'd'` -> ['a', 'b.c', 'd']; undefined when it is not a plain dotted key. */
function parseDottedKey(source: string): string[] | undefined {
  const keys: string[] = [];
  const part = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(\.|$)/y;
  let m: RegExpExecArray | null;
  while (part.lastIndex < source.length && (m = part.exec(source))) {
    keys.push(m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : (m[2] ?? m[3])!);
    if (m[4] === '') return keys;
  }
  return part.lastIndex === source.length && keys.length > 0 ? keys : undefined;
}

function header(tablePath: readonly string[]): string {
  return `[${tablePath.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.')}]`;
}

function isTable(value: unknown): value is Table {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

function lookup(doc: Table, keys: readonly string[]): Table | undefined {
  let at: unknown = doc;
  for (const key of keys) {
    if (!isTable(at)) return undefined;
    at = at[key];
  }
  return at as Table | undefined;
}

function ensureTable(doc: Table, keys: readonly string[]): Table {
  let at = doc;
  for (const key of keys) {
    if (!isTable(at[key])) at[key] = {};
    at = at[key] as Table;
  }
  return at;
}

/** The parser's tables have no prototype; compare documents as plain JSON data (dates as text). */
function plain(doc: Table): Table {
  return JSON.parse(JSON.stringify(doc)) as Table;
}

function parseOrUndefined(text: string): Table | undefined {
  try {
    return parse(text) as Table;
  } catch {
    return undefined;
  }
}

/** Whether config.toml makes the CRI read hosts from `certsDir` (for verification). */
export function hasConfigPath(text: string | undefined, certsDir: string): boolean {
  return text !== undefined && configPathEdit(text, certsDir, 1, 'config.toml').kind === 'set';
}
