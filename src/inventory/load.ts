// Read an Ansible-style YAML inventory and turn it into the normalised Inventory (model.ts).
//
// The YAML is walked node by node (not converted to plain JS first) so every problem can point
// at a line and column. Nothing stops at the first problem: all of them are collected and
// thrown together as one InventoryError.
//
// Rules where Ansible is looser or different:
// - Top-level keys are groups; `all` is the root and every other top-level group is a child of it.
// - The same group may be written in several places: its hosts, vars and children are merged
//   (for the same var, the later definition in the file wins).
// - A host may be listed in several groups; its own vars are merged (later in the file wins).
// - Var precedence for a host: the vars of every group it is in, applied in order of group depth
//   (all = 0, its children 1, ...; a group reachable by several routes takes the deepest), and
//   among groups of equal depth in order of first appearance in the file, so the later group
//   wins; then the host's own vars. Ansible sorts equal depths by group name instead of file order.
// - Merging is shallow: a list var (mirror_url, mirror_allow_cidrs) replaces, never appends.
// - Duplicate keys in one mapping are an error (PyYAML lets the last one win silently).
// - YAML anchors, aliases and `<<` merge keys are supported; tags such as `!vault` are not.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LineCounter, type Document, type Node, type YAMLMap, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { type FieldProblem, InventoryError } from '../core/errors.js';
import type { SshTarget } from '../transports/transport.js';
import { expandEnv } from './env.js';
import type { CacheSettings, ClientSettings, Host, Inventory } from './model.js';
import { DEFAULTS, type FleetVars, KNOWN_VARS, type VarContext, isKnownVar, unknownVarMessage } from './schema.js';
import { normaliseMirror, parseAddress, urlHost } from './values.js';

export const CACHE_GROUP = 'cache';
export const CLIENTS_GROUP = 'clients';

/** Read and parse an inventory file. Rejects with InventoryError on any problem. */
export async function loadInventory(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InventoryError([{ file, path: '', message: `cannot read inventory: ${reason}` }]);
  }
  return parseInventory(text, file, env);
}

/**
 * Parse inventory text. `file` is used in messages and to resolve relative key paths;
 * `env` supplies {{ env.NAME }} values. Throws InventoryError listing every problem.
 */
export function parseInventory(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Inventory {
  return new Loader(text, file, env).load();
}

/** Marks a var whose value was invalid (already reported), so later checks do not pile on. */
const INVALID: unique symbol = Symbol('invalid');
type VarValue = unknown;
type VarTable = Map<string, VarValue>;

interface GroupInfo {
  readonly name: string;
  /** Order of first appearance in the file. */
  readonly order: number;
  readonly keyNode: Node | null;
  readonly path: string;
  readonly hosts: string[];
  readonly vars: VarTable;
  readonly children: Array<{ readonly name: string; readonly keyNode: Node; readonly path: string }>;
}

interface HostInfo {
  readonly name: string;
  readonly keyNode: Node;
  readonly path: string;
  readonly vars: VarTable;
  /** Set when the host name itself was reported as invalid. */
  invalid: boolean;
}

interface Entry {
  readonly key: string;
  readonly keyNode: Node;
  readonly value: Node | null;
}

class Loader {
  private readonly lineCounter = new LineCounter();
  private readonly problems: FieldProblem[] = [];
  private readonly groups = new Map<string, GroupInfo>();
  private readonly hosts = new Map<string, HostInfo>();
  private readonly ctx: VarContext;
  private doc!: Document.Parsed;
  /** YAML nodes being walked, to stop an alias that points at its own ancestor. */
  private readonly walking = new Set<Node>();

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.ctx = { baseDir: path.dirname(path.resolve(file)), home: os.homedir() };
  }

  load(): Inventory {
    // uniqueKeys is off so that duplicates are reported by the walk below, with their field path
    // and the line of the first definition, instead of as a bare parser error.
    this.doc = parseDocument(this.text, { lineCounter: this.lineCounter, uniqueKeys: false, prettyErrors: false });
    for (const e of this.doc.errors) {
      const message = e.code === 'MULTIPLE_DOCS'
        ? 'the inventory must be a single YAML document (found a second ---)'
        : `YAML syntax error: ${e.message}`;
      this.addAt(e.pos[0], '', message);
    }
    for (const w of this.doc.warnings) {
      if (w.code !== 'TAG_RESOLVE_FAILED') this.addAt(w.pos[0], '', `YAML: ${w.message}`);
    }
    if (this.doc.errors.length) throw new InventoryError(this.sorted());

    // Without a mapping at the top there is nothing to check further.
    if (!this.walkTop(this.doc.contents)) throw new InventoryError(this.sorted());
    const order = this.resolveGraph();
    const result = this.build(order);
    if (this.problems.length) throw new InventoryError(this.sorted());
    return result;
  }

  // ---- problems ------------------------------------------------------------------------------

  private add(fieldPath: string, message: string, node?: Node | null, unsetVariable?: string): void {
    const offset = node?.range?.[0];
    const extra = unsetVariable === undefined ? {} : { unsetVariable };
    if (offset === undefined) this.problems.push({ file: this.file, path: fieldPath, message, ...extra });
    else this.addAt(offset, fieldPath, message, extra);
  }

  private addAt(offset: number, fieldPath: string, message: string, extra: Pick<FieldProblem, 'unsetVariable'> = {}): void {
    const { line, col } = this.lineCounter.linePos(offset);
    this.problems.push({ file: this.file, line, column: col, path: fieldPath, message, ...extra });
  }

  private sorted(): FieldProblem[] {
    // Stable: problems on the same line keep the order they were found in.
    return [...this.problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  }

  // ---- generic YAML helpers ------------------------------------------------------------------

  private deref(node: unknown, fieldPath: string): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) {
        this.add(fieldPath, `unknown alias *${node.source}`, node);
        return null;
      }
      return target;
    }
    return node as Node;
  }

  private isNull(node: Node | null): boolean {
    return node === null || (isScalar(node) && node.value === null);
  }

  /** Keys of a mapping as strings, with duplicates reported and `<<` merge keys applied. */
  private entries(map: YAMLMap, fieldPath: string): Entry[] {
    const out: Entry[] = [];
    const seen = new Map<string, Node>();
    const merges: Array<{ value: Node | null; keyNode: Node }> = [];
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key, fieldPath);
      if (!keyNode || !isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        this.add(fieldPath, 'keys must be plain names', keyNode ?? (pair.value as Node | null));
        continue;
      }
      if (keyNode.value === '<<' && keyNode.type === 'PLAIN') {
        merges.push({ value: this.deref(pair.value, fieldPath), keyNode });
        continue;
      }
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first) {
        const line = first.range ? this.lineCounter.linePos(first.range[0]).line : undefined;
        this.add(join(fieldPath, key), `duplicate key ${key}${line ? ` (first defined on line ${line})` : ''}`, keyNode);
        continue;
      }
      seen.set(key, keyNode);
      out.push({ key, keyNode, value: this.deref(pair.value, join(fieldPath, key)) });
    }
    // `<<: *anchor` or `<<: [*a, *b]`: keys written explicitly win, then earlier sources win.
    for (const merge of merges) {
      const sources = merge.value && isSeq(merge.value)
        ? merge.value.items.map((item) => this.deref(item, fieldPath))
        : [merge.value];
      for (const source of sources) {
        if (!source || !isMap(source)) {
          this.add(fieldPath, '<< must merge a mapping or a list of mappings', source ?? merge.keyNode);
          continue;
        }
        for (const entry of this.entries(source, fieldPath)) {
          if (seen.has(entry.key)) continue;
          seen.set(entry.key, entry.keyNode);
          out.push(entry);
        }
      }
    }
    return out;
  }

  /** Walk `node` unless it is already being walked (an alias to an ancestor). */
  private guarded(node: Node, fieldPath: string, walk: () => void): void {
    if (this.walking.has(node)) {
      this.add(fieldPath, 'recursive alias: a node cannot contain itself', node);
      return;
    }
    this.walking.add(node);
    try {
      walk();
    } finally {
      this.walking.delete(node);
    }
  }

  // ---- structure -----------------------------------------------------------------------------

  /** Walk the top-level mapping; false when there is none. */
  private walkTop(contents: unknown): boolean {
    this.group('all', null, 'all');
    const root = this.deref(contents, '');
    if (this.isNull(root)) {
      this.add('', 'inventory is empty: expected a mapping with the group all');
      return false;
    }
    if (!root || !isMap(root)) {
      this.add('', 'top level must be a mapping of groups (all: {...})', root);
      return false;
    }
    for (const entry of this.entries(root, '')) {
      if (entry.key === 'all') this.walkGroup('all', entry, 'all', null);
      else if (this.checkName('group', entry.key, entry.key, entry.keyNode)) {
        this.walkGroup(entry.key, entry, entry.key, 'all');
      }
    }
    return true;
  }

  private group(name: string, keyNode: Node | null, fieldPath: string): GroupInfo {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, order: this.groups.size, keyNode, path: fieldPath, hosts: [], vars: new Map(), children: [] };
      this.groups.set(name, g);
    }
    return g;
  }

  private walkGroup(name: string, entry: Entry, fieldPath: string, parent: string | null): void {
    const g = this.group(name, entry.keyNode, fieldPath);
    if (parent !== null) {
      const p = this.group(parent, null, '');
      if (!p.children.some((c) => c.name === name)) p.children.push({ name, keyNode: entry.keyNode, path: fieldPath });
    }
    const node = entry.value;
    if (this.isNull(node)) return;
    if (!node || !isMap(node)) {
      this.add(fieldPath, 'a group must be a mapping with hosts, vars and/or children', node);
      return;
    }
    this.guarded(node, fieldPath, () => {
      for (const part of this.entries(node, fieldPath)) {
        const partPath = join(fieldPath, part.key);
        if (part.key === 'hosts') this.walkHosts(g, part, partPath);
        else if (part.key === 'vars') this.walkVarsOf(part, partPath, g.vars);
        else if (part.key === 'children') this.walkChildren(name, part, partPath);
        else this.add(partPath, `unknown key ${part.key} in group ${name}: expected hosts, vars or children`, part.keyNode);
      }
    });
  }

  private walkChildren(parent: string, part: Entry, fieldPath: string): void {
    const node = part.value;
    if (this.isNull(node)) return;
    if (!node || !isMap(node)) {
      this.add(fieldPath, 'children must be a mapping of group names to groups', node);
      return;
    }
    for (const child of this.entries(node, fieldPath)) {
      const childPath = join(fieldPath, child.key);
      if (child.key === 'all') {
        this.add(childPath, 'group all cannot be a child of another group', child.keyNode);
        continue;
      }
      if (this.checkName('group', child.key, childPath, child.keyNode)) this.walkGroup(child.key, child, childPath, parent);
    }
  }

  private walkHosts(g: GroupInfo, part: Entry, fieldPath: string): void {
    const node = part.value;
    if (this.isNull(node)) return;
    if (!node || !isMap(node)) {
      const hint = node && isSeq(node) ? ' (a YAML list was given; write `name:` or `name: {vars}` per host)' : '';
      this.add(fieldPath, `hosts must be a mapping of host names to vars${hint}`, node);
      return;
    }
    for (const entry of this.entries(node, fieldPath)) {
      const hostPath = join(fieldPath, entry.key);
      let h = this.hosts.get(entry.key);
      if (!h) {
        h = { name: entry.key, keyNode: entry.keyNode, path: hostPath, vars: new Map(), invalid: false };
        this.hosts.set(entry.key, h);
        h.invalid = !this.checkName('host', entry.key, hostPath, entry.keyNode);
      }
      if (!g.hosts.includes(entry.key)) g.hosts.push(entry.key);
      if (this.isNull(entry.value)) continue;
      if (!entry.value || !isMap(entry.value)) {
        this.add(hostPath, 'host vars must be a mapping (or empty)', entry.value);
        continue;
      }
      this.walkVars(entry.value, hostPath, h.vars);
    }
  }

  private walkVarsOf(part: Entry, fieldPath: string, into: VarTable): void {
    const node = part.value;
    if (this.isNull(node)) return;
    if (!node || !isMap(node)) {
      this.add(fieldPath, 'vars must be a mapping', node);
      return;
    }
    this.walkVars(node, fieldPath, into);
  }

  /**
   * Host and group names end up in --limit patterns and messages, so they may not contain
   * pattern syntax. Ansible's host ranges (`web[01:10]`) and `host:port` keys are not supported.
   */
  private checkName(kind: 'host' | 'group', name: string, fieldPath: string, node: Node): boolean {
    let message: string | undefined;
    if (name.trim() === '') message = `${kind} name must not be empty`;
    else if (/[\s,]/.test(name)) message = `${kind} name ${JSON.stringify(name)} must not contain whitespace or commas`;
    else if (/^[!&~@]/.test(name)) message = `${kind} name ${name} must not start with ${name[0]}`;
    else if (/[[\]]/.test(name)) message = `${kind} name ${name}: host ranges like [01:10] are not supported, list each name`;
    else if (/[*?]/.test(name)) message = `${kind} name ${name} must not contain * or ?`;
    else if (name.includes(':') && !(kind === 'host' && parseAddress(name).ok)) {
      message = kind === 'host'
        ? `host name ${name}: host:port is not supported here, set ansible_port`
        : `group name ${name} must not contain :`;
    }
    if (message) this.add(fieldPath, message, node);
    return message === undefined;
  }

  // ---- vars ----------------------------------------------------------------------------------

  private walkVars(map: YAMLMap, fieldPath: string, into: VarTable): void {
    for (const entry of this.entries(map, fieldPath)) {
      const varPath = join(fieldPath, entry.key);
      const spec = KNOWN_VARS[entry.key];
      if (!spec || !isKnownVar(entry.key)) {
        this.add(varPath, unknownVarMessage(entry.key), entry.keyNode);
        continue;
      }
      const before = this.problems.length;
      const raw = this.plain(entry.value, varPath);
      if (this.problems.length > before) {
        into.set(entry.key, INVALID);
        continue;
      }
      const result = spec.validate(raw, this.ctx);
      if (result.ok) {
        into.set(entry.key, result.value);
        continue;
      }
      into.set(entry.key, INVALID);
      for (const p of result.problems) {
        const item = p.index !== undefined && entry.value && isSeq(entry.value)
          ? this.deref(entry.value.items[p.index], varPath)
          : null;
        const where = p.index !== undefined ? `${varPath}[${p.index}]` : varPath;
        this.add(where, p.message, item ?? entry.value ?? entry.keyNode);
      }
    }
  }

  /** A var value as plain JS, with {{ env.NAME }} substituted in every string. */
  private plain(node: Node | null, fieldPath: string): unknown {
    if (node === null) return null;
    if (node.tag && !node.tag.startsWith('tag:yaml.org,2002:')) {
      const message = node.tag === '!vault'
        ? 'Ansible Vault values (!vault) are not supported; use {{ env.NAME }}'
        : `unsupported YAML tag ${node.tag}`;
      this.add(fieldPath, message, node);
      return null;
    }
    if (isScalar(node)) {
      if (typeof node.value !== 'string') return node.value;
      const expanded = expandEnv(node.value, this.env);
      for (const problem of expanded.problems) this.add(fieldPath, problem.message, node, problem.unsetVariable);
      return expanded.value;
    }
    if (isSeq(node)) {
      const out: unknown[] = [];
      this.guarded(node, fieldPath, () => {
        node.items.forEach((item, i) => out.push(this.plain(this.deref(item, fieldPath), `${fieldPath}[${i}]`)));
      });
      return out;
    }
    // No var takes a mapping; the validator reports it by type.
    return {};
  }

  // ---- groups graph --------------------------------------------------------------------------

  /**
   * Report cycles in children, then return the groups in var-application order (depth, then
   * file order). Edges that close a cycle are dropped so the rest can still be checked.
   */
  private resolveGraph(): GroupInfo[] {
    const state = new Map<string, 'active' | 'done'>();
    const stack: string[] = [];
    const visit = (g: GroupInfo): void => {
      state.set(g.name, 'active');
      stack.push(g.name);
      for (let i = 0; i < g.children.length; i++) {
        const edge = g.children[i];
        if (!edge) continue;
        const child = this.groups.get(edge.name);
        if (!child) continue;
        const s = state.get(child.name);
        if (s === 'active') {
          const cycle = [...stack.slice(stack.indexOf(child.name)), child.name].join(' -> ');
          this.add(edge.path, `groups form a cycle: ${cycle}`, edge.keyNode);
          g.children.splice(i--, 1);
        } else if (s === undefined) visit(child);
      }
      stack.pop();
      state.set(g.name, 'done');
    };
    const all = this.groups.get('all');
    if (all) visit(all);
    for (const g of this.groups.values()) if (!state.has(g.name)) visit(g);

    const depth = new Map<string, number>();
    const deepen = (g: GroupInfo, d: number): void => {
      if ((depth.get(g.name) ?? -1) >= d) return;
      depth.set(g.name, d);
      for (const c of g.children) {
        const child = this.groups.get(c.name);
        if (child) deepen(child, d + 1);
      }
    };
    if (all) deepen(all, 0);
    return [...this.groups.values()].sort((a, b) => (depth.get(a.name) ?? 0) - (depth.get(b.name) ?? 0) || a.order - b.order);
  }

  /** Host names of a group, through children, as a set. */
  private members(name: string, memo: Map<string, Set<string>>): Set<string> {
    const cached = memo.get(name);
    if (cached) return cached;
    const out = new Set<string>();
    memo.set(name, out);
    const g = this.groups.get(name);
    if (g) {
      for (const h of g.hosts) out.add(h);
      for (const c of g.children) for (const h of this.members(c.name, memo)) out.add(h);
    }
    return out;
  }

  // ---- build ---------------------------------------------------------------------------------

  private build(applyOrder: GroupInfo[]): Inventory {
    const memo = new Map<string, Set<string>>();
    const hostOrder = [...this.hosts.keys()];
    const fileOrder = [...this.groups.values()].sort((a, b) => a.order - b.order);
    const groups = new Map<string, readonly string[]>();
    for (const g of fileOrder) {
      const m = this.members(g.name, memo);
      groups.set(g.name, hostOrder.filter((h) => m.has(h)));
    }

    const localUser = defaultUser(this.env);
    const hosts: Host[] = [];
    const invalidVars = new Map<Host, Set<string>>();
    for (const info of this.hosts.values()) {
      const merged: Record<string, unknown> = {};
      for (const g of applyOrder) {
        if (memo.get(g.name)?.has(info.name)) for (const [k, v] of g.vars) merged[k] = v;
      }
      for (const [k, v] of info.vars) merged[k] = v;
      const bad = new Set(Object.keys(merged).filter((k) => merged[k] === INVALID));

      const v = merged as FleetVars;
      let address = v.ansible_host;
      if (address === undefined && !bad.has('ansible_host') && !info.invalid) {
        const parsed = parseAddress(info.name);
        if (parsed.ok) address = parsed.value;
        else this.add(info.path, `host name ${info.name} is not a usable address; set ansible_host`, info.keyNode);
      }
      const user = v.ansible_user ?? localUser;
      const ssh: SshTarget = {
        name: info.name,
        address: address ?? info.name,
        port: v.ansible_port ?? DEFAULTS.port,
        user,
        ...(v.ansible_ssh_private_key_file !== undefined ? { privateKeyFile: v.ansible_ssh_private_key_file } : {}),
        ...(v.fleet_jump_host !== undefined
          ? { jump: { user: v.fleet_jump_host.user ?? user, address: v.fleet_jump_host.address, port: v.fleet_jump_host.port } }
          : {}),
      };
      const line = this.lineOf(info.keyNode);
      const host: Host = {
        name: info.name,
        groups: fileOrder.filter((g) => memo.get(g.name)?.has(info.name)).map((g) => g.name),
        vars: Object.freeze(merged),
        ssh,
        become: v.ansible_become === true && user !== 'root',
        ...(line !== undefined ? { line } : {}),
      };
      hosts.push(host);
      invalidVars.set(host, bad);
    }

    const byName = new Map(hosts.map((h) => [h.name, h]));
    const pick = (group: string): Host[] => (groups.get(group) ?? []).map((n) => byName.get(n)).filter((h): h is Host => !!h);
    const caches = pick(CACHE_GROUP);
    const clients = pick(CLIENTS_GROUP);

    const clientSettings = (host: Host): ClientSettings => {
      const v = host.vars as FleetVars;
      const mirrors = v.mirror_url ?? caches.map((c) => {
        const port = (c.vars as FleetVars).mirror_port ?? DEFAULTS.mirrorPort;
        return normaliseMirror(`http://${urlHost(c.ssh.address)}${port === 80 ? '' : `:${port}`}`);
      });
      return { daemonJsonPath: v.docker_daemon_json ?? DEFAULTS.daemonJsonPath, mirrors };
    };
    const cacheSettings = (host: Host): CacheSettings => {
      const v = host.vars as FleetVars;
      return {
        mirrorPort: v.mirror_port ?? DEFAULTS.mirrorPort,
        remoteUrl: v.registry_proxy_remoteurl ?? DEFAULTS.remoteUrl,
        ...(v.registry_proxy_username ? { username: v.registry_proxy_username } : {}),
        ...(v.registry_proxy_password ? { password: v.registry_proxy_password } : {}),
        image: v.registry_image ?? DEFAULTS.image,
        dataDir: v.registry_data_dir ?? DEFAULTS.dataDir,
        allowCidrs: v.mirror_allow_cidrs ?? [],
      };
    };

    this.checkRoles(hosts, caches, clients, invalidVars, clientSettings);
    return { file: this.file, hosts, groups, caches, clients, clientSettings, cacheSettings };
  }

  private checkRoles(
    hosts: Host[],
    caches: Host[],
    clients: Host[],
    invalidVars: Map<Host, Set<string>>,
    clientSettings: (host: Host) => ClientSettings,
  ): void {
    const clientsGroup = this.groups.get(CLIENTS_GROUP);
    if (!clientsGroup) {
      this.add(CLIENTS_GROUP, 'there is no clients group: fleet needs at least one host in a group named clients');
    } else if (clients.length === 0) {
      this.add(clientsGroup.path, 'the clients group has no hosts', clientsGroup.keyNode);
    }
    const cacheSet = new Set(caches);
    const clientSet = new Set(clients);
    for (const host of hosts) {
      const info = this.hosts.get(host.name);
      if (!info || info.invalid) continue;
      const bad = invalidVars.get(host) ?? new Set<string>();
      if (!cacheSet.has(host) && !clientSet.has(host)) {
        this.add(info.path, `host ${host.name} is in neither the cache nor the clients group, so fleet would do nothing with it`, info.keyNode);
      }
      if (clientSet.has(host) && !bad.has('mirror_url') && caches.length === 0 && clientSettings(host).mirrors.length === 0) {
        this.add(info.path, `client ${host.name} has no registry mirror: there are no cache hosts and it sets no mirror_url`, info.keyNode);
      }
      if (cacheSet.has(host)) {
        const v = host.vars as FleetVars;
        const hasUser = v.registry_proxy_username !== undefined || bad.has('registry_proxy_username');
        const hasPass = v.registry_proxy_password !== undefined || bad.has('registry_proxy_password');
        if (hasUser !== hasPass) {
          this.add(info.path, `cache ${host.name}: registry_proxy_username and registry_proxy_password must be set together`, info.keyNode);
        }
      }
    }
  }

  private lineOf(node: Node): number | undefined {
    const offset = node.range?.[0];
    return offset === undefined ? undefined : this.lineCounter.linePos(offset).line;
  }
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/** The local user name, as ssh would default it. */
function defaultUser(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to the environment.
    return env.USER ?? env.LOGNAME ?? 'root';
  }
}
