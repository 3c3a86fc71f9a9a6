// The one shape every inventory source format reads into (YAML, INI, JSON, an executable's
// output, the Nomad API): groups with their hosts, children and vars, and hosts with their own
// vars, each value with the place it was written, for messages. normalise.ts turns one or more
// of these into the Inventory. Readers check structure only; what a var may hold is checked
// once, for every format, by the normaliser.
import type { FieldProblem } from '../core/errors.js';
import { nameProblem } from './names.js';

/** Where something was written: the file, its 1-based line and column when known, a field path. */
export interface Origin {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly path: string;
}

/** A value as read, with its origin; a list keeps the origin of each item when the format has one. */
export interface RawValue {
  readonly value: unknown;
  readonly at: Origin;
  readonly items?: readonly RawValue[];
}

export interface RawVar {
  readonly name: string;
  /** The var's name, where an unknown var is reported. */
  readonly keyAt: Origin;
  readonly value: RawValue;
  /**
   * What the reader found wrong with the value (e.g. an unsupported YAML tag). Reported by the
   * normaliser unless the var is unknown (then that is the one problem), and the value is not
   * checked further.
   */
  readonly problems?: readonly FieldProblem[];
  /**
   * Substitute {{ env.NAME }} in its strings. True for files the operator writes; false for data a
   * program printed or an API returned, which is taken literally.
   */
  readonly templated: boolean;
}

export interface RawGroup {
  readonly name: string;
  /** The group's first definition; null for groups only implied (`all`, a parent). */
  at: Origin | null;
  readonly hosts: string[];
  readonly children: Array<{ readonly name: string; readonly at: Origin }>;
  readonly vars: RawVar[];
}

export interface RawHost {
  readonly name: string;
  /** The host's first appearance. */
  readonly at: Origin;
  readonly vars: RawVar[];
  /** The name itself was reported as invalid: no further messages about this host. */
  readonly invalid: boolean;
}

export interface RawSource {
  /** The source as given (a path), for messages. */
  readonly file: string;
  /** In order of first appearance. Always holds `all`. */
  readonly groups: Map<string, RawGroup>;
  readonly hosts: Map<string, RawHost>;
  readonly problems: FieldProblem[];
  /** What the operator should know but is not an error (e.g. Nomad nodes left out, and why). */
  readonly notes: string[];
  /**
   * False when the reader could not read the source's structure at all (a syntax error, no
   * mapping at the top): then only the problems found so far are reported.
   */
  complete: boolean;
  /** Groups the source uses but does not declare; an earlier source may (INI's [g:vars]). */
  pending?: readonly PendingGroup[];
  /** A dynamic source checked offline (not run, not asked): its hosts are unknown. */
  unresolved?: boolean;
}

/** A group a source refers to without declaring it: fine if an earlier source declares it. */
export interface PendingGroup {
  readonly group: string;
  /** Groups that list it as a child, to link once it is known. */
  readonly parents: ReadonlyArray<{ readonly name: string; readonly at: Origin }>;
  /** Reported when no earlier source declares the group. */
  readonly problem: FieldProblem;
}

export const ALL = 'all';

export function problemAt(at: Origin, message: string, unsetVariable?: string): FieldProblem {
  return {
    file: at.file,
    ...(at.line !== undefined ? { line: at.line } : {}),
    ...(at.column !== undefined ? { column: at.column } : {}),
    path: at.path,
    message,
    ...(unsetVariable !== undefined ? { unsetVariable } : {}),
  };
}

/** Field paths as the YAML shape spells them: `all.children.clients.hosts.nomad-1`. */
export function joinPath(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/** Builds a RawSource; every reader adds groups, hosts and vars through it, so names are checked alike. */
export class RawBuilder {
  readonly source: RawSource;
  /** The hosts of each group as a set, so that adding thousands of hosts stays linear. */
  private readonly members = new Map<string, Set<string>>();

  /** A new source, or more of an existing one (`existing`). */
  constructor(file: string, existing?: RawSource) {
    this.source = existing ?? { file, groups: new Map(), hosts: new Map(), problems: [], notes: [], complete: true };
    this.group(ALL, null);
  }

  problem(at: Origin, message: string, unsetVariable?: string): void {
    this.source.problems.push(problemAt(at, message, unsetVariable));
  }

  /** The group, created on first mention. */
  group(name: string, at: Origin | null): RawGroup {
    let g = this.source.groups.get(name);
    if (!g) {
      g = { name, at, hosts: [], children: [], vars: [] };
      this.source.groups.set(name, g);
    } else if (!g.at && at) {
      g.at = at;
    }
    return g;
  }

  /** Reports a name fleet cannot use (it ends up in --limit patterns and messages); true when fine. */
  checkName(kind: 'host' | 'group', name: string, at: Origin): boolean {
    const message = nameProblem(kind, name);
    if (message) this.problem(at, message);
    return message === undefined;
  }

  addChild(parent: string, child: string, at: Origin): void {
    const p = this.group(parent, null);
    if (!p.children.some((c) => c.name === child)) p.children.push({ name: child, at });
  }

  /** The host (created, and its name checked, on first mention), added to `group`. */
  addHost(group: string, name: string, at: Origin): RawHost {
    let h = this.source.hosts.get(name);
    if (!h) {
      h = { name, at, vars: [], invalid: !this.checkName('host', name, at) };
      this.source.hosts.set(name, h);
    }
    const g = this.group(group, null);
    let members = this.members.get(group);
    if (!members) {
      members = new Set(g.hosts);
      this.members.set(group, members);
    }
    if (!members.has(name)) {
      members.add(name);
      g.hosts.push(name);
    }
    return h;
  }
}
