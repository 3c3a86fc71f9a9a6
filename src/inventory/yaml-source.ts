// Ansible's YAML inventory shape -> RawSource, walked node by node (yaml-doc.ts) so that every
// problem points at a line and column. Nothing stops at the first problem.
//
// Shape rules (precedence and the rest are the normaliser's, see normalise.ts):
// - Top-level keys are groups; `all` is the root and every other top-level group is a child of it.
// - The same group may be written in several places: its hosts, vars and children are merged.
// - A host may be listed in several groups; its own vars are merged (later in the file wins).
// - Duplicate keys in one mapping are an error (PyYAML lets the last one win silently).
// - YAML anchors, aliases and `<<` merge keys are supported (within a budget, see yaml-doc.ts);
//   tags such as `!vault` are not. Host ranges (`web[01:10]`) and `host:port` keys are not
//   expanded in YAML: list each host, set ansible_port.
import type { Node, YAMLMap } from 'yaml';
import { isMap, isSeq } from 'yaml';
import { ALL, RawBuilder, type RawSource, type RawVar, joinPath } from './raw.js';
import { AliasBudgetExceeded, type Entry, YamlDoc } from './yaml-doc.js';

/** Read a YAML inventory whose text is already parsed into `doc`. */
export function readYamlInventory(doc: YamlDoc): RawSource {
  const reader = new YamlInventoryReader(doc);
  try {
    reader.walkTop();
  } catch (err) {
    if (!(err instanceof AliasBudgetExceeded)) throw err;
    // The document is hostile or broken: report only that, not a half-walked inventory.
    const last = doc.problems.at(-1);
    return { ...new RawBuilder(doc.file).source, problems: last ? [last] : [], complete: false };
  }
  return reader.finish();
}

class YamlInventoryReader {
  private readonly raw: RawBuilder;

  constructor(private readonly doc: YamlDoc) {
    this.raw = new RawBuilder(doc.file);
  }

  finish(): RawSource {
    // Problems in file order of discovery: the parser's and the walk's share one list.
    this.raw.source.problems.unshift(...this.doc.problems);
    return this.raw.source;
  }

  /** Walk the top-level mapping. */
  walkTop(): void {
    const incomplete = (): void => {
      this.raw.source.complete = false;
    };
    if (!this.doc.ok) return incomplete();
    const root = this.doc.deref(this.doc.doc.contents, '');
    if (this.doc.isNull(root)) {
      this.doc.add('', 'inventory is empty: expected a mapping with the group all');
      return incomplete();
    }
    if (!root || !isMap(root)) {
      this.doc.add('', 'top level must be a mapping of groups (all: {...})', root);
      return incomplete();
    }
    for (const entry of this.doc.entries(root, '')) {
      if (entry.key === ALL) this.walkGroup(ALL, entry, ALL, null);
      else if (this.checkName('group', entry.key, entry.key, entry.keyNode)) this.walkGroup(entry.key, entry, entry.key, ALL);
    }
  }

  private checkName(kind: 'host' | 'group', name: string, path: string, node: Node): boolean {
    // Through the doc's problem list, so that problems stay in the order they were found.
    const before = this.raw.source.problems.length;
    const ok = this.raw.checkName(kind, name, this.doc.at(node, path));
    this.doc.problems.push(...this.raw.source.problems.splice(before));
    return ok;
  }

  private walkGroup(name: string, entry: Entry, path: string, parent: string | null): void {
    const g = this.raw.group(name, this.doc.at(entry.keyNode, path));
    if (parent !== null) this.raw.addChild(parent, name, this.doc.at(entry.keyNode, path));
    const node = entry.value;
    if (this.doc.isNull(node)) return;
    if (!node || !isMap(node)) {
      this.doc.add(path, 'a group must be a mapping with hosts, vars and/or children', node);
      return;
    }
    this.doc.guarded(node, path, () => {
      for (const part of this.doc.entries(node, path)) {
        const partPath = joinPath(path, part.key);
        if (part.key === 'hosts') this.walkHosts(name, part, partPath);
        else if (part.key === 'vars') this.walkVarsOf(part, partPath, g.vars);
        else if (part.key === 'children') this.walkChildren(name, part, partPath);
        else this.doc.add(partPath, `unknown key ${part.key} in group ${name}: expected hosts, vars or children`, part.keyNode);
      }
    });
  }

  private walkChildren(parent: string, part: Entry, path: string): void {
    const node = part.value;
    if (this.doc.isNull(node)) return;
    if (!node || !isMap(node)) {
      this.doc.add(path, 'children must be a mapping of group names to groups', node);
      return;
    }
    for (const child of this.doc.entries(node, path)) {
      const childPath = joinPath(path, child.key);
      if (child.key === ALL) {
        this.doc.add(childPath, 'group all cannot be a child of another group', child.keyNode);
        continue;
      }
      if (this.checkName('group', child.key, childPath, child.keyNode)) this.walkGroup(child.key, child, childPath, parent);
    }
  }

  private walkHosts(group: string, part: Entry, path: string): void {
    const node = part.value;
    if (this.doc.isNull(node)) return;
    if (!node || !isMap(node)) {
      const hint = node && isSeq(node) ? ' (a YAML list was given; write `name:` or `name: {vars}` per host)' : '';
      this.doc.add(path, `hosts must be a mapping of host names to vars${hint}`, node);
      return;
    }
    for (const entry of this.doc.entries(node, path)) {
      const hostPath = joinPath(path, entry.key);
      const known = this.raw.source.hosts.has(entry.key);
      const before = this.raw.source.problems.length;
      const host = this.raw.addHost(group, entry.key, this.doc.at(entry.keyNode, hostPath));
      if (!known) this.doc.problems.push(...this.raw.source.problems.splice(before));
      if (this.doc.isNull(entry.value)) continue;
      if (!entry.value || !isMap(entry.value)) {
        this.doc.add(hostPath, 'host vars must be a mapping (or empty)', entry.value);
        continue;
      }
      this.walkVars(entry.value, hostPath, host.vars);
    }
  }

  private walkVarsOf(part: Entry, path: string, into: RawVar[]): void {
    const node = part.value;
    if (this.doc.isNull(node)) return;
    if (!node || !isMap(node)) {
      this.doc.add(path, 'vars must be a mapping', node);
      return;
    }
    this.walkVars(node, path, into);
  }

  private walkVars(map: YAMLMap, path: string, into: RawVar[]): void {
    for (const entry of this.doc.entries(map, path)) {
      const varPath = joinPath(path, entry.key);
      const keyAt = this.doc.at(entry.keyNode, varPath);
      const { value, problems } = this.doc.value(entry.value, varPath, entry.keyNode);
      into.push({ name: entry.key, keyAt, value, templated: true, ...(problems.length ? { problems } : {}) });
    }
  }
}
