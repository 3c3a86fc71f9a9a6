// The group graph of one or more sources merged: cycles, the order group vars apply in, and
// which hosts a group holds through its children.
import type { FieldProblem } from '../core/errors.js';
import { ALL, type Origin, problemAt } from './raw.js';

export interface GraphGroup {
  readonly name: string;
  readonly children: Array<{ readonly name: string; readonly at: Origin }>;
  readonly hosts: readonly string[];
}

/**
 * Report every cycle in children (at the edge that closes it) and drop that edge, so the rest
 * can still be checked. Visits from `all` first, then any group not reached from it.
 */
export function breakCycles(groups: ReadonlyMap<string, GraphGroup>, problems: FieldProblem[]): void {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (g: GraphGroup): void => {
    state.set(g.name, 'active');
    stack.push(g.name);
    for (let i = 0; i < g.children.length; i++) {
      const edge = g.children[i];
      const child = edge && groups.get(edge.name);
      if (!edge || !child) continue;
      const s = state.get(child.name);
      if (s === 'active') {
        const cycle = [...stack.slice(stack.indexOf(child.name)), child.name].join(' -> ');
        problems.push(problemAt(edge.at, `groups form a cycle: ${cycle}`));
        g.children.splice(i--, 1);
      } else if (s === undefined) visit(child);
    }
    stack.pop();
    state.set(g.name, 'done');
  };
  const all = groups.get(ALL);
  if (all) visit(all);
  for (const g of groups.values()) if (!state.has(g.name)) visit(g);
}

/**
 * Groups in the order their vars apply, as Ansible orders them (inventory/helpers.py,
 * sort_groups): by depth (all = 0, its children 1, ...; a group reachable by several routes
 * takes the deepest), then by name, so that among groups of equal depth the one whose name sorts
 * last wins. Call after breakCycles.
 */
export function varOrder(groups: ReadonlyMap<string, GraphGroup>): GraphGroup[] {
  const depth = new Map<string, number>();
  const deepen = (g: GraphGroup, d: number): void => {
    if ((depth.get(g.name) ?? -1) >= d) return;
    depth.set(g.name, d);
    for (const c of g.children) {
      const child = groups.get(c.name);
      if (child) deepen(child, d + 1);
    }
  };
  const all = groups.get(ALL);
  if (all) deepen(all, 0);
  // Python compares strings by code point, as `<` does here (localeCompare would not).
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups.values()].sort((a, b) => (depth.get(a.name) ?? 0) - (depth.get(b.name) ?? 0) || byName(a.name, b.name));
}

/** Host names of every group, through children, as sets. Call after breakCycles. */
export function members(groups: ReadonlyMap<string, GraphGroup>): Map<string, Set<string>> {
  const memo = new Map<string, Set<string>>();
  const of = (name: string): Set<string> => {
    const cached = memo.get(name);
    if (cached) return cached;
    const out = new Set<string>();
    memo.set(name, out);
    const g = groups.get(name);
    if (g) {
      for (const h of g.hosts) out.add(h);
      for (const c of g.children) for (const h of of(c.name)) out.add(h);
    }
    return out;
  };
  for (const name of groups.keys()) of(name);
  return memo;
}
