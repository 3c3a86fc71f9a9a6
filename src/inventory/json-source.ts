// Ansible's inventory JSON -> RawSource: the shape `ansible-inventory --list` prints and an
// inventory script prints for --list (plugins/inventory/script.py), read with positions so
// every problem has file:line:column:
//
//   { "_meta": { "hostvars": { "nomad-1": { "ansible_host": "10.0.0.5" } } },
//     "all": { "children": ["ungrouped", "clients"] },
//     "clients": { "hosts": ["nomad-1"], "vars": { "ansible_user": "ubuntu" }, "children": [] } }
//
// As in Ansible, a group may also be a plain list of host names, and a mapping without any of
// hosts/vars/children is a host named after the group with those vars (an old script form).
// Hosts listed in _meta.hostvars but in no group are ignored, as Ansible ignores them.
// Unlike Ansible, a key repeated in one object is an error, not "the last one wins".
import { type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { ALL, type Origin, RawBuilder, type RawSource, type RawValue, type RawVar, joinPath } from './raw.js';

export interface JsonRead {
  readonly source: RawSource;
  /** Whether the output had _meta.hostvars: a script without it is asked `--host NAME` per host. */
  readonly hasHostvars: boolean;
}

export interface JsonOptions {
  /** Substitute {{ env.NAME }}: yes for a file the operator keeps, no for a program's output. */
  readonly templated: boolean;
  /** What positions refer to, when not the file itself: a script's output (`inv.sh --list`). */
  readonly label?: string;
}

/**
 * Whether JSON text is in the shape ansible-inventory --list prints (rather than Ansible's YAML
 * shape written as JSON): it has _meta, or a group that is a list or lists its hosts or
 * children. Text that is not JSON counts as that shape only when `invalidIsJson` (a .json file,
 * whose syntax errors are then reported as JSON's).
 */
export function looksLikeListJson(text: string, invalidIsJson: boolean): boolean {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true });
  if (errors.length || !root) return invalidIsJson;
  if (root.type !== 'object') return invalidIsJson;
  return (root.children ?? []).some((prop) => {
    const [key, value] = prop.children ?? [];
    if (key?.value === '_meta' || value?.type === 'array') return true;
    return value?.type === 'object' && (value.children ?? []).some((p) => ['hosts', 'children'].includes(p.children?.[0]?.value) && p.children?.[1]?.type === 'array');
  });
}

export function readAnsibleJson(text: string, file: string, options: JsonOptions): JsonRead {
  const label = options.label ?? file;
  const doc = new JsonDoc(text, label, options.templated, new RawBuilder(file));
  const root = doc.parse();
  if (!root) return { source: { ...doc.raw.source, complete: false }, hasHostvars: false };
  if (root.type !== 'object') {
    doc.problem(doc.at(root, ''), 'must be a JSON object of groups (as ansible-inventory --list prints)');
    return { source: { ...doc.raw.source, complete: false }, hasHostvars: false };
  }
  let hostvars: Node | undefined;
  for (const [key, value] of doc.members(root, '')) {
    if (key === '_meta') hostvars = doc.metaHostvars(value);
    else doc.group(key, value);
  }
  if (hostvars) doc.hostvars(hostvars);
  return { source: doc.raw.source, hasHostvars: hostvars !== undefined };
}

/** Vars of one host printed by `script --host NAME` (`label`), added to the host in `source`. */
export function readHostVarsJson(source: RawSource, host: string, text: string, label: string): void {
  if (text.trim() === '') return; // as Ansible: no output, no vars
  const doc = new JsonDoc(text, label, false, new RawBuilder(source.file, source));
  const root = doc.parse();
  if (!root) return;
  if (root.type !== 'object') {
    doc.problem(doc.at(root, ''), 'must be a JSON object of vars');
    return;
  }
  doc.varsInto(root, '', source.hosts.get(host)?.vars ?? []);
}

class JsonDoc {
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    /** The file (or a script's output) that positions refer to. */
    private readonly label: string,
    private readonly templated: boolean,
    readonly raw: RawBuilder,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  parse(): Node | undefined {
    const errors: ParseError[] = [];
    const root = parseTree(this.text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    // The first error only: the parser's later ones follow from it.
    const first = errors[0];
    if (first) this.problem(this.offsetAt(first.offset, ''), `not valid JSON: ${printParseErrorCode(first.error)}`);
    return first ? undefined : root;
  }

  problem(at: Origin, message: string): void {
    this.raw.problem(at, message);
  }

  at(node: Node, path: string): Origin {
    return this.offsetAt(node.offset, path);
  }

  private offsetAt(offset: number, path: string): Origin {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.label, line: lo + 1, column: offset - (this.lineStarts[lo] as number) + 1, path };
  }

  /** Members of an object in order; a repeated key is reported and skipped. */
  members(node: Node, path: string): Array<[string, Node, Node]> {
    const seen = new Map<string, Node>();
    const out: Array<[string, Node, Node]> = [];
    for (const prop of node.children ?? []) {
      const [keyNode, value] = prop.children ?? [];
      if (!keyNode || !value) continue;
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first) {
        this.problem(this.at(keyNode, joinPath(path, key)), `duplicate key ${key} (first defined on line ${this.at(first, '').line})`);
        continue;
      }
      seen.set(key, keyNode);
      out.push([key, value, keyNode]);
    }
    return out;
  }

  /** The names in a list, each with its origin; anything else is reported. */
  private names(node: Node, path: string, what: string): Array<{ name: string; at: Origin }> {
    if (node.type !== 'array') {
      this.problem(this.at(node, path), `${what} must be a list of names`);
      return [];
    }
    const out: Array<{ name: string; at: Origin }> = [];
    (node.children ?? []).forEach((item, i) => {
      const at = this.at(item, `${path}[${i}]`);
      if (item.type === 'string') out.push({ name: item.value as string, at });
      else this.problem(at, `${what} must be a list of names, item ${i} is a ${item.type}`);
    });
    return out;
  }

  group(name: string, node: Node): void {
    if (!this.raw.checkName('group', name, this.at(node, name))) return;
    this.raw.group(name, this.at(node, name));
    if (node.type === 'array') {
      for (const host of this.names(node, name, `group ${name}`)) this.raw.addHost(name, host.name, host.at);
      return;
    }
    if (node.type !== 'object') {
      this.problem(this.at(node, name), `group ${name} must be an object with hosts, vars and/or children, or a list of hosts`);
      return;
    }
    const members = this.members(node, name);
    const keys = new Set(members.map(([k]) => k));
    if (members.length > 0 && !['hosts', 'vars', 'children'].some((k) => keys.has(k))) {
      // Ansible's old script form: a host named after the group, the object being its vars.
      this.raw.addHost(name, name, this.at(node, name));
      this.varsInto(node, name, this.raw.group(name, null).vars);
      return;
    }
    for (const [key, value, keyNode] of members) {
      const path = joinPath(name, key);
      if (key === 'hosts') {
        for (const host of this.names(value, path, 'hosts')) this.raw.addHost(name, host.name, host.at);
      } else if (key === 'children') {
        for (const { name: child, at } of this.names(value, path, 'children')) {
          if (child === ALL) this.problem(at, 'group all cannot be a child of another group');
          else if (this.raw.checkName('group', child, at)) {
            this.raw.group(child, null);
            this.raw.addChild(name, child, at);
          }
        }
      } else if (key === 'vars') {
        if (value.type === 'object') this.varsInto(value, path, this.raw.group(name, null).vars);
        else this.problem(this.at(value, path), 'vars must be an object');
      } else {
        this.problem(this.at(keyNode, path), `unknown key ${key} in group ${name}: expected hosts, vars or children`);
      }
    }
  }

  metaHostvars(meta: Node): Node | undefined {
    if (meta.type !== 'object') {
      this.problem(this.at(meta, '_meta'), '_meta must be an object with hostvars');
      return undefined;
    }
    const hostvars = this.members(meta, '_meta').find(([k]) => k === 'hostvars')?.[1];
    if (hostvars && hostvars.type !== 'object') {
      this.problem(this.at(hostvars, '_meta.hostvars'), '_meta.hostvars must be an object of host names to vars');
      return undefined;
    }
    return hostvars;
  }

  hostvars(node: Node): void {
    for (const [host, vars] of this.members(node, '_meta.hostvars')) {
      const known = this.raw.source.hosts.get(host);
      if (!known) continue; // in no group: ignored, as Ansible does
      const path = joinPath('_meta.hostvars', host);
      if (vars.type === 'object') this.varsInto(vars, path, known.vars);
      else this.problem(this.at(vars, path), `vars of host ${host} must be an object`);
    }
  }

  varsInto(node: Node, path: string, into: RawVar[]): void {
    for (const [name, value, keyNode] of this.members(node, path)) {
      const varPath = joinPath(path, name);
      into.push({ name, keyAt: this.at(keyNode, varPath), value: this.value(value, varPath), templated: this.templated });
    }
  }

  private value(node: Node, path: string): RawValue {
    const at = this.at(node, path);
    if (node.type === 'array') {
      const items = (node.children ?? []).map((item, i) => this.value(item, `${path}[${i}]`));
      return { value: items.map((i) => i.value), at, items };
    }
    if (node.type === 'object') return { value: {}, at };
    return { value: node.value ?? null, at };
  }
}
