// The resolved inventory as ansible-inventory shows one (cli/inventory.py): --list JSON (groups
// with their own hosts and children, every host's merged vars under _meta.hostvars, keys sorted,
// four-space indent), the --graph tree, and one host's vars. Values are fleet's normalised ones
// (ports as numbers, paths absolute, mirror_url a list); secrets print as "***".
import type { Inventory } from './model.js';
import { ALL } from './raw.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const UNGROUPED = 'ungrouped';

/** A group's children; `all` always starts with `ungrouped`, as Ansible always has that group. */
function childrenOf(inv: Inventory, name: string): readonly string[] {
  const children = inv.tree.get(name)?.children ?? [];
  return name === ALL ? [UNGROUPED, ...children.filter((c) => c !== UNGROUPED)] : children;
}

/** `ansible-inventory --list`: loading this JSON back gives the same inventory (but "***" for secrets). */
export function ansibleList(inv: Inventory): string {
  const out: Record<string, Json> = {};
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const hosts = name === ALL ? [] : inv.tree.get(name)?.hosts ?? [];
    const children = childrenOf(inv, name);
    const entry: Record<string, Json> = {};
    if (hosts.length) entry.hosts = [...hosts];
    if (children.length) entry.children = [...children];
    if (Object.keys(entry).length) out[name] = entry;
    for (const child of children) visit(child);
  };
  visit(ALL);
  const hostvars: Record<string, Json> = {};
  for (const h of inv.hosts) if (Object.keys(h.vars).length) hostvars[h.name] = plain(h.vars);
  out._meta = { hostvars };
  return `${JSON.stringify(sorted(out), null, 4)}\n`;
}

/** `ansible-inventory --graph [GROUP]`: the group tree with the hosts of each group. */
export function ansibleGraph(inv: Inventory, group = ALL): string | undefined {
  if (!inv.tree.has(group) && group !== UNGROUPED) return undefined;
  const lines: string[] = [];
  const line = (text: string, depth: number) => lines.push(depth ? `${'  |'.repeat(depth)}--${text}` : text);
  const walk = (name: string, depth: number): void => {
    line(`@${name}:`, depth);
    for (const child of childrenOf(inv, name)) walk(child, depth + 1);
    if (name !== ALL) for (const h of inv.tree.get(name)?.hosts ?? []) line(h, depth + 1);
  };
  walk(group, 0);
  return `${lines.join('\n')}\n`;
}

/** `ansible-inventory --host NAME`: the host's merged vars. */
export function ansibleHost(inv: Inventory, name: string): string | undefined {
  const host = inv.hosts.find((h) => h.name === name);
  return host ? `${JSON.stringify(sorted(plain(host.vars)), null, 4)}\n` : undefined;
}

/** Through JSON, so every Secret becomes "***" (Secret.toJSON) and nothing else can leak. */
function plain(vars: Readonly<Record<string, unknown>>): Json {
  return JSON.parse(JSON.stringify(vars)) as Json;
}

/** Keys sorted at every level, as Python's json.dumps(sort_keys=True). */
function sorted(value: Json): Json {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, sorted(value[k] as Json)]));
}
