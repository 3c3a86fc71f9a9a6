// Ansible's INI inventory -> RawSource, read as ansible-core reads it (plugins/inventory/ini.py):
//
//   host-1 ansible_port=2222        hosts before any section are in `ungrouped`
//   [clients]                       a group; one host (pattern) per line, inline key=value vars
//   nomad-[01:20] ansible_user=ubuntu
//   db:2222                         host:port sets ansible_port (when the host is new)
//   [clients:vars]                  key=value per line (the rest of the line is the value)
//   [all:children]                  one group name per line
//
// Comments start with # or ; at the start of a line, and # anywhere in a host line outside
// quotes. Values are typed as Python literals (2222 a number, True a boolean, '[1, 2]' a list,
// anything else the text): inline ones after shell-like splitting of the line (so quotes are
// removed first), `:vars` ones as written. Ansible's documentation says `:vars` values are
// strings; ansible-core types both the same way, and so does fleet. Either way fleet converts
// text where a var needs a number or a boolean.
//
// A [group:vars] section needs the group declared somewhere (a [group] or [group:children]
// section, here or in an earlier source), and a child in [group:children] too. Unlike Ansible,
// every problem is reported (not only the first), each with file:line.
import { ALL, type Origin, type PendingGroup, RawBuilder, type RawSource, type RawVar, joinPath, problemAt } from '../raw.js';
import { parseHostPattern } from './host-pattern.js';
import { pythonLiteral } from './python-literal.js';
import { shlexSplit } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;
/** Python's str.splitlines(). */
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

type State = 'hosts' | 'vars' | 'children' | 'skip';

/** Groups Ansible always has, declared or not. */
const BUILT_IN = new Set([ALL, 'ungrouped']);

export function readIniInventory(text: string, file: string): RawSource {
  return new IniReader(file).read(text);
}

class IniReader {
  private readonly raw: RawBuilder;
  private readonly pending = new Map<string, { kind: 'vars' | 'children'; line: number; parents: Array<{ name: string; at: Origin }> }>();
  private group = 'ungrouped';
  private state: State = 'hosts';
  private lineNo = 0;
  private line = '';

  constructor(private readonly file: string) {
    this.raw = new RawBuilder(file);
  }

  read(text: string): RawSource {
    for (const line of text.split(LINE_BREAK)) {
      this.lineNo++;
      this.line = line;
      const trimmed = line.trim();
      if (trimmed === '' || trimmed[0] === '#' || trimmed[0] === ';') continue;
      const section = SECTION.exec(trimmed);
      if (section) this.section(section[1] as string, section[2]);
      else if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
        this.problem(this.at('', trimmed), `invalid section ${trimmed}: no spaces or other characters are allowed in a section name`);
        this.state = 'skip';
      } else if (this.state === 'hosts') this.hostLine(trimmed);
      else if (this.state === 'vars') this.varLine(trimmed);
      else if (this.state === 'children') this.childLine(trimmed);
    }
    return { ...this.raw.source, pending: this.pendingGroups() };
  }

  private known(group: string): boolean {
    return BUILT_IN.has(group) || this.raw.source.groups.has(group);
  }

  private at(path: string, token?: string): Origin {
    const index = token === undefined ? -1 : this.line.indexOf(token);
    const column = index === -1 ? this.line.length - this.line.trimStart().length + 1 : index + 1;
    return { file: this.file, line: this.lineNo, column, path };
  }

  private problem(at: Origin, message: string): void {
    this.raw.problem(at, message);
  }

  private section(name: string, kind: string | undefined): void {
    const state = kind ?? 'hosts';
    const at = this.at(name, name);
    if (state !== 'hosts' && state !== 'vars' && state !== 'children') {
      this.problem(at, `section [${name}:${state}] has an unknown type ${state}: expected [${name}], [${name}:vars] or [${name}:children]`);
      this.state = 'skip';
      return;
    }
    this.group = name;
    this.state = state;
    if (!this.raw.checkName('group', name, at)) {
      this.state = 'skip';
      return;
    }
    if (!this.known(name) && state === 'vars' && !this.pending.has(name)) this.pending.set(name, { kind: 'vars', line: this.lineNo, parents: [] });
    this.raw.group(name, state === 'vars' ? null : at);
    const waiting = this.pending.get(name);
    if (waiting && state !== 'vars') this.declare(name);
  }

  /** `name` is declared now: link the parents that listed it as a child before. */
  private declare(name: string): void {
    const waiting = this.pending.get(name);
    if (!waiting) return;
    this.pending.delete(name);
    for (const parent of waiting.parents) {
      this.raw.addChild(parent.name, name, parent.at);
      if (this.pending.get(parent.name)?.kind === 'children') this.declare(parent.name);
    }
  }

  private hostLine(line: string): void {
    const split = shlexSplit(line);
    if (!split.ok) {
      this.problem(this.at(this.group), `cannot read the host line: ${split.message}`);
      return;
    }
    const [pattern, ...assignments] = split.words;
    if (pattern === undefined || pattern === '') {
      this.problem(this.at(this.group), 'expected a host name');
      return;
    }
    const hostPath = joinPath(this.group, `hosts.${pattern}`);
    const parsed = parseHostPattern(pattern);
    if (!parsed.ok) {
      this.problem(this.at(hostPath, pattern), parsed.message);
      return;
    }
    const vars: RawVar[] = [];
    for (const word of assignments) {
      const eq = word.indexOf('=');
      if (eq === -1) {
        this.problem(this.at(hostPath, word), `expected key=value host variable assignment, got: ${word}`);
        return;
      }
      const key = word.slice(0, eq);
      vars.push(this.rawVar(key, word.slice(eq + 1), joinPath(hostPath, key), `${key}=`));
    }
    const at = this.at(hostPath, pattern);
    for (const name of parsed.hosts) {
      const isNew = !this.raw.source.hosts.has(name);
      const host = this.raw.addHost(this.group, name, at);
      // As Ansible: host:port sets ansible_port when the host is first seen, before inline vars.
      if (isNew && parsed.port) host.vars.push({ name: 'ansible_port', keyAt: at, value: { value: parsed.port, at }, templated: false });
      host.vars.push(...vars);
    }
  }

  private varLine(line: string): void {
    const eq = line.indexOf('=');
    if (eq === -1) {
      this.problem(this.at(joinPath(this.group, 'vars')), `expected key=value, got: ${line}`);
      return;
    }
    const key = line.slice(0, eq).trim();
    this.raw.group(this.group, null).vars.push(this.rawVar(key, line.slice(eq + 1).trim(), joinPath(this.group, `vars.${key}`), key));
  }

  private childLine(line: string): void {
    const m = GROUP_NAME.exec(line);
    const path = joinPath(this.group, 'children');
    if (!m) {
      this.problem(this.at(path), `expected a group name, got: ${line}`);
      return;
    }
    const child = m[1] as string;
    const at = this.at(joinPath(path, child), child);
    if (child === ALL) {
      this.problem(at, 'group all cannot be a child of another group');
      return;
    }
    if (!this.raw.checkName('group', child, at)) return;
    if (this.known(child)) {
      this.raw.addChild(this.group, child, at);
      return;
    }
    const waiting = this.pending.get(child) ?? { kind: 'children' as const, line: this.lineNo, parents: [] };
    waiting.parents.push({ name: this.group, at });
    this.pending.set(child, waiting);
  }

  private rawVar(name: string, text: string, path: string, token: string): RawVar {
    const at = this.at(path, token);
    const literal = pythonLiteral(text);
    return { name, keyAt: at, value: { value: literal.ok ? literal.value : text, at }, templated: true };
  }

  private pendingGroups(): PendingGroup[] {
    return [...this.pending].map(([group, p]) => {
      const at = { file: this.file, line: p.line, path: p.kind === 'vars' ? `${group}.vars` : joinPath(p.parents.at(-1)?.name ?? '', `children.${group}`) };
      const message = p.kind === 'vars'
        ? `section [${group}:vars] is for a group that is declared nowhere: add a [${group}] or [${group}:children] section`
        : `section [${p.parents.at(-1)?.name}:children] lists ${group}, a group declared nowhere: add a [${group}] or [${group}:children] section`;
      return { group, parents: p.parents, problem: problemAt(at, message) };
    });
  }
}
