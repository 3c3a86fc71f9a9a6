// A YAML document read node by node, so every problem can point at a line and column: what the
// YAML inventory reader and the Nomad source's configuration share.
//
// Aliases are resolved here, and only here, against a budget: the walk follows an alias into
// the node it names, so without a bound a few hundred bytes of nested aliases ("billion laughs")
// expand to billions of nodes. Every alias the walk follows costs the number of nodes it expands
// to (counted once per node, aliases within included); past MAX_ALIAS_NODES in a document the
// read stops with one problem. This is the yaml library's own maxAliasCount idea, applied to a
// walk that does not go through its toJS().
import { type Document, LineCounter, type Node, type YAMLMap, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { FieldProblem } from '../core/errors.js';
import { type Origin, type RawValue, joinPath, problemAt } from './raw.js';

/** Nodes that aliases may expand to in one document: far above any real inventory's reuse. */
export const MAX_ALIAS_NODES = 100_000;

export interface Entry {
  readonly key: string;
  readonly keyNode: Node;
  readonly value: Node | null;
}

/** Thrown (and caught by the reader) when the aliases of a document exceed their budget. */
export class AliasBudgetExceeded extends Error {}

export class YamlDoc {
  readonly problems: FieldProblem[] = [];
  readonly doc: Document.Parsed;
  private readonly lineCounter = new LineCounter();
  private readonly targets = new Map<Node, Node>();
  private readonly sizes = new Map<Node, number>();
  private aliasNodes = 0;
  /** Nodes being walked, to stop an alias that points at its own ancestor. */
  private readonly walking = new Set<Node>();

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    // uniqueKeys is off so that duplicates are reported by entries(), with their field path and
    // the line of the first definition, instead of as a bare parser error.
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, uniqueKeys: false, prettyErrors: false });
    for (const e of this.doc.errors) {
      const message = e.code === 'MULTIPLE_DOCS'
        ? 'the inventory must be a single YAML document (found a second ---)'
        : `YAML syntax error: ${e.message}`;
      this.addAt(e.pos[0], '', message);
    }
    for (const w of this.doc.warnings) {
      if (w.code !== 'TAG_RESOLVE_FAILED') this.addAt(w.pos[0], '', `YAML: ${w.message}`);
    }
    if (this.doc.errors.length === 0) this.indexAnchors();
  }

  get ok(): boolean {
    return this.doc.errors.length === 0;
  }

  // ---- positions and problems ----------------------------------------------------------------

  at(node: Node | null | undefined, path: string): Origin {
    const offset = node?.range?.[0];
    if (offset === undefined) return { file: this.file, path };
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, column: col, path };
  }

  lineOf(node: Node): number | undefined {
    return this.at(node, '').line;
  }

  add(path: string, message: string, node?: Node | null): void {
    this.problems.push(problemAt(this.at(node, path), message));
  }

  private addAt(offset: number, path: string, message: string): void {
    const { line, col } = this.lineCounter.linePos(offset);
    this.problems.push({ file: this.file, line, column: col, path, message });
  }

  // ---- aliases -------------------------------------------------------------------------------

  /** An alias names the last node anchored before it, in document order. */
  private indexAnchors(): void {
    const anchors = new Map<string, Node>();
    visit(this.doc, {
      Node: (_key, node) => {
        if (isAlias(node)) {
          const target = anchors.get(node.source);
          if (target) this.targets.set(node, target);
        } else if (node.anchor) {
          anchors.set(node.anchor, node);
        }
      },
    });
  }

  /** How many nodes `node` stands for once every alias in it is expanded (memoised; linear). */
  private expandedSize(node: Node, inProgress = new Set<Node>()): number {
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    if (inProgress.has(node)) return 1; // a recursive alias: reported by the walk
    inProgress.add(node);
    let size = 1;
    if (isAlias(node)) {
      const target = this.targets.get(node);
      size = target ? this.expandedSize(target, inProgress) : 1;
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) {
        const parts = isPair(item) ? [item.key, item.value] : [item];
        for (const part of parts) if (part && typeof part === 'object') size += this.expandedSize(part as Node, inProgress);
      }
    }
    inProgress.delete(node);
    this.sizes.set(node, size);
    return size;
  }

  /** The node itself, or the node an alias names (charged to the budget), or null. */
  deref(node: unknown, path: string): Node | null {
    if (node === null || node === undefined) return null;
    if (!isAlias(node)) return node as Node;
    const target = this.targets.get(node);
    if (!target) {
      this.add(path, `unknown alias *${node.source}`, node);
      return null;
    }
    this.aliasNodes += this.expandedSize(target);
    if (this.aliasNodes > MAX_ALIAS_NODES) {
      this.add(path, `YAML aliases expand to more than ${MAX_ALIAS_NODES} nodes (a "billion laughs" document?): refusing to read further`, node);
      throw new AliasBudgetExceeded();
    }
    return target;
  }

  // ---- structure -----------------------------------------------------------------------------

  isNull(node: Node | null): boolean {
    return node === null || (isScalar(node) && node.value === null);
  }

  /** Walk `node` unless it is already being walked (an alias to an ancestor). */
  guarded(node: Node, path: string, walk: () => void): void {
    if (this.walking.has(node)) {
      this.add(path, 'recursive alias: a node cannot contain itself', node);
      return;
    }
    this.walking.add(node);
    try {
      walk();
    } finally {
      this.walking.delete(node);
    }
  }

  /** Keys of a mapping as strings, with duplicates reported and `<<` merge keys applied. */
  entries(map: YAMLMap, path: string): Entry[] {
    const out: Entry[] = [];
    const seen = new Map<string, Node>();
    const merges: Array<{ value: Node | null; keyNode: Node }> = [];
    for (const pair of map.items) {
      const keyNode = this.deref(pair.key, path);
      if (!keyNode || !isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        this.add(path, 'keys must be plain names', keyNode ?? (pair.value as Node | null));
        continue;
      }
      if (keyNode.value === '<<' && keyNode.type === 'PLAIN') {
        merges.push({ value: this.deref(pair.value, path), keyNode });
        continue;
      }
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first) {
        const line = this.lineOf(first);
        this.add(joinPath(path, key), `duplicate key ${key}${line ? ` (first defined on line ${line})` : ''}`, keyNode);
        continue;
      }
      seen.set(key, keyNode);
      out.push({ key, keyNode, value: this.deref(pair.value, joinPath(path, key)) });
    }
    // `<<: *anchor` or `<<: [*a, *b]`: keys written explicitly win, then earlier sources win.
    for (const merge of merges) {
      const sources = merge.value && isSeq(merge.value)
        ? merge.value.items.map((item) => this.deref(item, path))
        : [merge.value];
      for (const source of sources) {
        if (!source || !isMap(source)) {
          this.add(path, '<< must merge a mapping or a list of mappings', source ?? merge.keyNode);
          continue;
        }
        for (const entry of this.entries(source, path)) {
          if (seen.has(entry.key)) continue;
          seen.set(entry.key, entry.keyNode);
          out.push(entry);
        }
      }
    }
    return out;
  }

  /**
   * A value as plain data with its origin, item by item for lists. A mapping becomes `{}` (no
   * var takes one; the var's check names the type). Problems found on the way (a tag fleet does
   * not read, an unknown alias) are returned, not recorded: they matter only for a known var.
   */
  value(node: Node | null, path: string, fallback: Node | null): { value: RawValue; problems: FieldProblem[] } {
    const before = this.problems.length;
    const value = this.plain(node, path, fallback);
    return { value, problems: this.problems.splice(before) };
  }

  private plain(node: Node | null, path: string, fallback: Node | null): RawValue {
    const at = this.at(node ?? fallback, path);
    if (node === null) return { value: null, at };
    if (node.tag && !node.tag.startsWith('tag:yaml.org,2002:')) {
      const message = node.tag === '!vault'
        ? 'Ansible Vault values (!vault) are not supported; use {{ env.NAME }}'
        : `unsupported YAML tag ${node.tag}`;
      this.add(path, message, node);
      return { value: null, at };
    }
    if (isScalar(node)) return { value: node.value, at };
    if (isSeq(node)) {
      const items: RawValue[] = [];
      this.guarded(node, path, () => {
        node.items.forEach((item, i) => items.push(this.plain(this.deref(item, path), `${path}[${i}]`, node)));
      });
      return { value: items.map((i) => i.value), at, items };
    }
    return { value: {}, at };
  }
}
