// Host patterns for --limit, after Ansible:
//   web-1,clients        names and groups, comma-separated (`:` also separates, as in Ansible,
//                        unless the whole pattern is one IPv6 address; prefer `,`)
//   nomad-*  web-[12]    globs: * any run, ? one character, [...] a class ([!...] negates)
//   ~nomad-\d+           a regular expression, matched from the start of the name
//   !web-2   &clients    exclude / intersect
//   @hosts.txt           read patterns from a file, one per line, # starts a comment
//   all  *               every host
// As in Ansible, plain items are united first, then `&` items intersect, then `!` items
// exclude, whatever order they were written in; with only `!`/`&` items the start is `all`.
// An item names every group and every host it matches (a group and a host of the same name
// both count). Unlike Ansible, an item that matches nothing is an error rather than a warning:
// a mistyped --limit must not quietly do nothing. The result is in inventory order.
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Host, Inventory } from './model.js';

export interface SelectOptions {
  /** Directory that `@FILE` paths are relative to; default process.cwd(). */
  readonly cwd?: string;
}

/** The hosts `pattern` selects, in inventory order; all hosts when pattern is undefined. */
export function selectHosts(inventory: Inventory, pattern: string | undefined, options: SelectOptions = {}): Host[] {
  if (pattern === undefined) return [...inventory.hosts];
  const origins = new Map<string, string>();
  const items = expandFiles(splitPattern(pattern), options.cwd ?? process.cwd(), origins);
  if (items.length === 0) throw new UsageError(`--limit ${JSON.stringify(pattern)} contains no host patterns`);

  const plain = items.filter((i) => !i.startsWith('!') && !i.startsWith('&'));
  const intersect = items.filter((i) => i.startsWith('&')).map((i) => i.slice(1));
  const exclude = items.filter((i) => i.startsWith('!')).map((i) => i.slice(1));

  const unmatched: string[] = [];
  const match = (item: string): Set<string> => {
    const names = matchItem(inventory, item);
    if (names.size === 0) unmatched.push(item);
    return names;
  };

  let selected = new Set<string>();
  if (plain.length === 0) selected = new Set(inventory.hosts.map((h) => h.name));
  for (const item of plain) for (const n of match(item)) selected.add(n);
  for (const item of intersect) {
    const names = match(item);
    selected = new Set([...selected].filter((n) => names.has(n)));
  }
  for (const item of exclude) for (const n of match(item)) selected.delete(n);

  if (unmatched.length) {
    const list = unmatched.map((u) => `${JSON.stringify(u)}${origins.has(u) ? ` (from ${origins.get(u)})` : ''}`).join(', ');
    throw new UsageError(`--limit: ${list} ${unmatched.length === 1 ? 'matches' : 'match'} no host or group in ${inventory.file}`);
  }
  const result = inventory.hosts.filter((h) => selected.has(h.name));
  if (result.length === 0) throw new UsageError(`no hosts matched --limit ${JSON.stringify(pattern)}`);
  return result;
}

/** Split on `,`; without commas also on `:` (outside [...]) unless the pattern is an IPv6 address. */
export function splitPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (isIPv6(pattern.replace(/^[!&]/, '').trim())) parts = [pattern];
  else parts = splitOutsideBrackets(pattern, ':');
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function splitOutsideBrackets(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === sep && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

/** Replace `@FILE` items (optionally `!@FILE` / `&@FILE`) by the patterns in the file; `origins`
 *  learns which `@FILE:line` each pattern came from, for messages. */
function expandFiles(items: string[], cwd: string, origins: Map<string, string>): string[] {
  const out: string[] = [];
  for (const item of items) {
    const prefix = /^[!&]/.test(item) ? item.slice(0, 1) : '';
    const rest = item.slice(prefix.length);
    if (!rest.startsWith('@')) {
      out.push(item);
      continue;
    }
    const file = path.resolve(cwd, rest.slice(1));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new UsageError(`--limit ${rest}: cannot read the file: ${reason}`);
    }
    for (const [index, line] of text.split(/\r?\n/).entries()) {
      const content = line.replace(/#.*/, '').trim();
      if (content === '') continue;
      for (const part of splitPattern(content)) {
        // A prefix on @FILE applies to every pattern in it; patterns with their own prefix keep it.
        const item = prefix && !/^[!&]/.test(part) ? prefix + part : part;
        out.push(item);
        origins.set(item.replace(/^[!&]/, ''), `${rest.slice(1)}:${index + 1}`);
      }
    }
  }
  return out;
}

/** Host names matched by one item (no !/& prefix): groups' hosts plus hosts by name. */
function matchItem(inventory: Inventory, item: string): Set<string> {
  const test = matcher(item);
  const names = new Set<string>();
  for (const [group, hosts] of inventory.groups) {
    if (test(group)) for (const h of hosts) names.add(h);
  }
  for (const h of inventory.hosts) if (test(h.name)) names.add(h.name);
  return names;
}

function matcher(item: string): (name: string) => boolean {
  if (item === 'all' || item === '*') return () => true;
  if (item.startsWith('~')) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${item.slice(1)})`);
    } catch (err) {
      throw new UsageError(`--limit ${item}: invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
    }
    return (name) => re.test(name);
  }
  if (/[*?[]/.test(item)) {
    const re = globToRegExp(item);
    return (name) => re.test(name);
  }
  return (name) => name === item;
}

/** `*` any run, `?` one character, `[abc]`/`[a-z]`/`[!abc]` a class; everything else literal. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
