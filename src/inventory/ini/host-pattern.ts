// A host pattern of an INI host line, as Ansible reads it (parsing/utils/addresses.py and
// plugins/inventory/__init__.py): an optional :port, then ranges expanded: `nomad-[01:20]`
// (leading zeros kept, begin and end of equal length), `10.0.0.[1:9]`, `db-[a:f]`, a step
// (`[1:9:2]`), several ranges in one name. Unlike Ansible, a range that yields no host
// (`[9:1]`) or has a step below 1 is an error rather than silently nothing (or a reversed,
// shortened list), and one line may expand to at most MAX_HOSTS_PER_PATTERN hosts.

export const MAX_HOSTS_PER_PATTERN = 100_000;

export type HostPattern =
  | { readonly ok: true; readonly hosts: readonly string[]; readonly port?: number }
  | { readonly ok: false; readonly message: string };

const NUMERIC_RANGE = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const HEX_RANGE = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const ALNUM_RANGE = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const IPV6_PART = `(?:[0-9a-f]{1,4}|${HEX_RANGE})`;
const IPV4_PART = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${NUMERIC_RANGE})`;
const WORD = String.raw`[\p{L}\p{N}_]`;
const LABEL = `(?:${WORD}|${ALNUM_RANGE})(?:${WORD}|[_-]|${ALNUM_RANGE})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(`^(?:${IPV4_PART}\\.){3}${IPV4_PART}$`, 'i');
const IPV6 = new RegExp(
  '^(?:' +
    [
      `(?:${IPV6_PART}:){7}${IPV6_PART}`,
      `(?:${IPV6_PART}:){1,6}:`,
      `(?:${IPV6_PART}:)(?::${IPV6_PART}){1,6}`,
      `(?:${IPV6_PART}:){2}(?::${IPV6_PART}){1,5}`,
      `(?:${IPV6_PART}:){3}(?::${IPV6_PART}){1,4}`,
      `(?:${IPV6_PART}:){4}(?::${IPV6_PART}){1,3}`,
      `(?:${IPV6_PART}:){5}(?::${IPV6_PART}){1,2}`,
      `(?:${IPV6_PART}:){6}(?::${IPV6_PART})`,
      `:(?::${IPV6_PART}){1,6}`,
      `${IPV6_PART}?::`,
      `(?:0:){6}(?:${IPV6_PART}\\.){3}${IPV6_PART}`,
      `::(?:ffff:)?(?:${IPV6_PART}\\.){3}${IPV6_PART}`,
      `(?:0:){5}ffff:(?:${IPV6_PART}\\.){3}${IPV6_PART}`,
    ].join('|') +
    ')$',
  'i',
);
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'iu');

/** Split off a port as Ansible's parse_address does; the whole text when it is no address. */
function splitPort(pattern: string): { host: string; port?: number } {
  let address = pattern;
  let port: number | undefined;
  // Both forms are tried in turn, as in Ansible: `[host]:1` leaves `host` for the second.
  for (const form of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = form.exec(address);
    if (m) {
      address = m[1] as string;
      port = Number(m[2]);
    }
  }
  if (![IPV4, IPV6, HOSTNAME].some((re) => re.test(address))) return { host: pattern };
  return port === undefined ? { host: address } : { host: address, port };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Python's int() of a bound: digits with optional sign, underscores between digits, spaces around. */
function pythonInt(text: string): number | undefined {
  const t = text.trim();
  return /^[+-]?[0-9](?:_?[0-9])*$/.test(t) ? Number(t.replaceAll('_', '')) : undefined;
}

/** Every name of a pattern with [begin:end(:step)] ranges, first range first. */
export function expandRanges(pattern: string, budget = { left: MAX_HOSTS_PER_PATTERN }): string[] | string {
  if (!pattern.includes('[')) {
    budget.left -= 1;
    return budget.left < 0 ? `host pattern expands to more than ${MAX_HOSTS_PER_PATTERN} hosts` : [pattern];
  }
  const parts = pattern.replace('[', '|').replace(']', '|').split('|');
  if (parts.length !== 3) return `${pattern}: not a host range (expected name[begin:end])`;
  const [head, range, tail] = parts as [string, string, string];
  const bounds = range.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) return `host range [${range}] must be begin:end or begin:end:step`;
  const begin = bounds[0] || '0';
  const end = bounds[1] as string;
  const step = bounds[2] === undefined ? 1 : pythonInt(bounds[2]);
  if (!end) return `host range [${range}] must specify an end value`;
  if (step === undefined || step < 1) return `host range [${range}]: the step must be a whole number of at least 1`;
  let fill = (x: number | string): string => String(x);
  if (begin[0] === '0' && begin.length > 1) {
    if (begin.length !== end.length) return `host range [${range}] must specify equal-length begin and end formats`;
    fill = (x) => String(x).padStart(begin.length, '0');
  }
  let sequence: Array<number | string>;
  const from = LETTERS.indexOf(begin);
  const to = LETTERS.indexOf(end);
  if (from !== -1 && to !== -1) {
    if (from > to) return `host range [${range}] must have begin <= end`;
    sequence = [];
    for (let i = from; i <= to; i += step) sequence.push(LETTERS[i] as string);
  } else {
    const b = pythonInt(begin);
    const e = pythonInt(end);
    if (b === undefined || e === undefined) return `host range [${range}]: begin and end must both be numbers or both letters`;
    if (Math.ceil((e + 1 - b) / step) > budget.left) return `host range [${range}] expands to more than ${MAX_HOSTS_PER_PATTERN} hosts`;
    sequence = [];
    for (let i = b; i <= e; i += step) sequence.push(i);
  }
  if (sequence.length === 0) return `host range [${range}] yields no host`;
  const names: string[] = [];
  for (const item of sequence) {
    const expanded = expandRanges(`${head}${fill(item)}${tail}`, budget);
    if (typeof expanded === 'string') return expanded;
    names.push(...expanded);
  }
  return names;
}

/** The hosts and port of the first word of an INI host line. */
export function parseHostPattern(word: string): HostPattern {
  const { host, port } = splitPort(word);
  if (word.trim().endsWith(':') && port === undefined) {
    return { ok: false, message: `invalid host pattern ${word}: a trailing ':' is reserved for a port` };
  }
  const hosts = expandRanges(host);
  if (typeof hosts === 'string') return { ok: false, message: hosts };
  if (hosts.some((h) => h.trim() === '---')) return { ok: false, message: `invalid host pattern ${word}: '---' is a sign this is a YAML file` };
  return port === undefined ? { ok: true, hosts } : { ok: true, hosts, port };
}
