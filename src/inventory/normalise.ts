// One or more sources as read (RawSource) -> the normalised Inventory, whatever their format.
//
// Several sources are merged as Ansible merges repeated -i: groups of the same name are one
// group (hosts and children united), and for the same var the later definition wins (a later
// source, or later in a file). Then, as Ansible does:
// - Var precedence for a host: the vars of every group it is in, applied in order of group depth
//   (all = 0, its children 1, ...; a group reachable by several routes takes the deepest) and,
//   among groups of equal depth, by group name (the name sorting last wins); then the host's own
//   vars. Ansible's order rather than file order, so that an inventory means the same to fleet
//   and to ansible-inventory.
// - Merging is shallow: a list var (mirror_url, mirror_allow_cidrs) replaces, never appends.
// Every problem of every source is collected and thrown together as one InventoryError.
import os from 'node:os';
import { type FieldProblem, InventoryError } from '../core/errors.js';
import type { SshTarget } from '../transports/transport.js';
import { breakCycles, members, varOrder } from './graph.js';
import type { CacheSettings, ClientSettings, GroupTree, Host, Inventory } from './model.js';
import { ALL, type Origin, type RawSource, type RawVar, problemAt } from './raw.js';
import { CACHE_GROUP, CLIENTS_GROUP, checkRoles } from './rules.js';
import { DEFAULTS, type FleetVars } from './schema.js';
import { canonicalMirror } from '../core/mirror-url.js';
import { clientMirrorOrder } from '../modules/mirrors/order.js';
import { escapeControls, parseAddress, urlHost } from './values.js';
import { INVALID, VarChecker, type VarTable } from './vars.js';

export interface NormaliseOptions {
  /** Supplies {{ env.NAME }} values, and the local user name when there is no passwd entry. */
  readonly env: NodeJS.ProcessEnv;
  /** Some sources were not resolved (dynamic ones, when validating offline): skip rules that need every host. */
  readonly partial?: boolean;
}

interface MergedGroup {
  readonly name: string;
  at: Origin | null;
  readonly hosts: string[];
  readonly children: Array<{ readonly name: string; readonly at: Origin }>;
  readonly vars: RawVar[];
}

interface MergedHost {
  readonly name: string;
  readonly at: Origin;
  readonly vars: RawVar[];
  readonly invalid: boolean;
}

/** Merge, check and normalise. Throws InventoryError listing every problem of every source. */
export function normalise(sources: readonly RawSource[], options: NormaliseOptions): Inventory {
  const problems = sources.flatMap((s) => s.problems);
  if (sources.some((s) => !s.complete)) throw new InventoryError(sortProblems(problems, sources));
  resolvePending(sources, problems);
  const { groups, hosts } = merge(sources);
  const checker = new VarChecker(options.env, problems);
  const groupVars = new Map<string, VarTable>();
  for (const g of groups.values()) {
    const table: VarTable = new Map();
    checker.check(g.vars, table);
    groupVars.set(g.name, table);
  }
  const hostVars = new Map<string, VarTable>();
  for (const h of hosts.values()) {
    const table: VarTable = new Map();
    checker.check(h.vars, table);
    hostVars.set(h.name, table);
  }
  breakCycles(groups, problems);
  const partial = options.partial === true || sources.some((s) => s.unresolved === true);
  const inventory = build(sources, groups, hosts, groupVars, hostVars, { ...options, partial }, problems);
  if (problems.length) throw new InventoryError(sortProblems(problems, sources));
  return inventory;
}

/**
 * Names and keys come from files, programs and APIs: a control character in a path or a message
 * (a host named with an escape sequence) is shown escaped, never sent to the terminal.
 */
function printable(p: FieldProblem): FieldProblem {
  return { ...p, path: escapeControls(p.path), message: escapeControls(p.message) };
}

/** A group a source uses without declaring it is fine when an earlier source declares it (as in Ansible). */
function resolvePending(sources: readonly RawSource[], problems: FieldProblem[]): void {
  sources.forEach((source, i) => {
    for (const p of source.pending ?? []) {
      if (!sources.slice(0, i).some((earlier) => earlier.groups.has(p.group))) {
        problems.push(p.problem);
        continue;
      }
      for (const parent of p.parents) source.groups.get(parent.name)?.children.push({ name: p.group, at: parent.at });
    }
  });
}

/** Sources united by group and host name; every group without a parent becomes a child of all. */
function merge(sources: readonly RawSource[]): { groups: Map<string, MergedGroup>; hosts: Map<string, MergedHost> } {
  const groups = new Map<string, MergedGroup>();
  const hosts = new Map<string, MergedHost>();
  const hostSets = new Map<string, Set<string>>();
  for (const source of sources) {
    for (const g of source.groups.values()) {
      let m = groups.get(g.name);
      if (!m) {
        m = { name: g.name, at: g.at, hosts: [], children: [], vars: [] };
        groups.set(g.name, m);
        hostSets.set(g.name, new Set());
      }
      m.at ??= g.at;
      const seen = hostSets.get(g.name) as Set<string>;
      for (const h of g.hosts) {
        if (seen.has(h)) continue;
        seen.add(h);
        m.hosts.push(h);
      }
      for (const c of g.children) if (!m.children.some((x) => x.name === c.name)) m.children.push(c);
      m.vars.push(...g.vars);
    }
    for (const h of source.hosts.values()) {
      const m = hosts.get(h.name);
      if (m) m.vars.push(...h.vars);
      else hosts.set(h.name, { name: h.name, at: h.at, vars: [...h.vars], invalid: h.invalid });
    }
  }
  const all = groups.get(ALL);
  const parented = new Set([...groups.values()].flatMap((g) => g.children.map((c) => c.name)));
  for (const g of groups.values()) {
    if (g !== all && !parented.has(g.name)) all?.children.push({ name: g.name, at: g.at ?? { file: sources[0]?.file ?? '', path: g.name } });
  }
  return { groups, hosts };
}

function build(
  sources: readonly RawSource[],
  groups: Map<string, MergedGroup>,
  rawHosts: Map<string, MergedHost>,
  groupVars: Map<string, VarTable>,
  hostVars: Map<string, VarTable>,
  options: NormaliseOptions,
  problems: FieldProblem[],
): Inventory {
  const memo = members(groups);
  const applyOrder = varOrder(groups);
  const hostOrder = [...rawHosts.keys()];
  const groupMembers = new Map<string, readonly string[]>();
  const tree = new Map<string, GroupTree>();
  for (const g of groups.values()) {
    const m = memo.get(g.name) ?? new Set();
    groupMembers.set(g.name, hostOrder.filter((h) => m.has(h)));
    tree.set(g.name, { hosts: [...g.hosts], children: g.children.map((c) => c.name) });
  }

  const localUser = defaultUser(options.env);
  const hosts: Host[] = [];
  const invalidVars = new Map<string, Set<string>>();
  for (const info of rawHosts.values()) {
    const merged: Record<string, unknown> = {};
    for (const g of applyOrder) {
      if (memo.get(g.name)?.has(info.name)) for (const [k, v] of groupVars.get(g.name) ?? []) merged[k] = v;
    }
    for (const [k, v] of hostVars.get(info.name) ?? []) merged[k] = v;
    const bad = new Set(Object.keys(merged).filter((k) => merged[k] === INVALID));

    const v = merged as FleetVars;
    let address = v.ansible_host;
    if (address === undefined && !bad.has('ansible_host') && !info.invalid) {
      const parsed = parseAddress(info.name);
      if (parsed.ok) address = parsed.value;
      else problems.push(problemAt(info.at, `host name ${info.name} is not a usable address; set ansible_host`));
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
    hosts.push({
      name: info.name,
      groups: [...groups.values()].filter((g) => memo.get(g.name)?.has(info.name)).map((g) => g.name),
      vars: Object.freeze(merged),
      ssh,
      become: v.ansible_become === true && user !== 'root',
      ...(info.at.line !== undefined ? { line: info.at.line } : {}),
    });
    invalidVars.set(info.name, bad);
  }

  const byName = new Map(hosts.map((h) => [h.name, h]));
  const pick = (group: string): Host[] => (groupMembers.get(group) ?? []).map((n) => byName.get(n)).filter((h): h is Host => !!h);
  const caches = pick(CACHE_GROUP);
  const clients = pick(CLIENTS_GROUP);

  const cacheMirror = (cache: Host): string => {
    const port = (cache.vars as FleetVars).mirror_port ?? DEFAULTS.mirrorPort;
    return canonicalMirror(`http://${urlHost(cache.ssh.address)}${port === 80 ? '' : `:${port}`}`);
  };
  const clientSettings = (host: Host): ClientSettings => {
    const hv = host.vars as FleetVars;
    // mirror_url is the operator's own order; cache hosts are spread over the clients by hashing.
    const cacheMirrors = hv.mirror_url ? [...new Set(hv.mirror_url)] : clientMirrorOrder(host.name, caches.map(cacheMirror));
    // Public fallbacks last, after every mirror of the operator's own, each mirror once.
    const mirrors = [...new Set([...cacheMirrors, ...(hv.mirror_fallbacks ?? [])])];
    return {
      daemonJsonPath: hv.docker_daemon_json ?? DEFAULTS.daemonJsonPath,
      mirrors,
      cacheMirrors,
      bootHook: hv.mirror_boot_hook ?? false,
      ...(hv.container_runtime !== undefined ? { containerRuntime: hv.container_runtime } : {}),
    };
  };
  const cacheSettings = (host: Host): CacheSettings => {
    const hv = host.vars as FleetVars;
    return {
      mirrorPort: hv.mirror_port ?? DEFAULTS.mirrorPort,
      remoteUrl: hv.registry_proxy_remoteurl ?? DEFAULTS.remoteUrl,
      ...(hv.registry_proxy_username ? { username: hv.registry_proxy_username } : {}),
      ...(hv.registry_proxy_password ? { password: hv.registry_proxy_password } : {}),
      image: hv.registry_image ?? DEFAULTS.image,
      dataDir: hv.registry_data_dir ?? DEFAULTS.dataDir,
      allowCidrs: hv.mirror_allow_cidrs ?? [],
    };
  };

  checkRoles({
    hosts,
    caches,
    clients,
    clientsGroup: groups.get(CLIENTS_GROUP),
    origin: (name) => rawHosts.get(name),
    invalidVars,
    clientSettings,
    partial: options.partial ?? false,
    fallbackFile: sources[0]?.file ?? '',
  }, problems);

  const sourceFiles = sources.map((s) => s.file);
  return {
    file: sourceFiles.join(', '),
    sources: sourceFiles,
    hosts,
    groups: groupMembers,
    tree,
    notes: sources.flatMap((s) => s.notes),
    caches,
    clients,
    clientSettings,
    cacheSettings,
    cacheMirror,
  };
}

/** Each once, printable, source by source, then by position; stable, so problems at one place keep the order found. */
function sortProblems(problems: readonly FieldProblem[], sources: readonly RawSource[]): FieldProblem[] {
  // A problem in a script's output names `script --list`: it belongs to that source.
  const sourceOf = (p: FieldProblem): number => {
    const i = sources.findIndex((s) => p.file === s.file || p.file.startsWith(`${s.file} `));
    return i === -1 ? sources.length : i;
  };
  const key = (p: FieldProblem): number[] => [sourceOf(p), p.line ?? Infinity, p.column ?? 0];
  // One var written once can be checked for many hosts (an INI range, a Nomad source's vars).
  const unique = [...new Map(problems.map((p) => [JSON.stringify([p.file, p.line, p.column, p.path, p.message]), p])).values()];
  return unique.map(printable).sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      const x = ka[i] as number;
      const y = kb[i] as number;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
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
