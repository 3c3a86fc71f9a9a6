// Checking vars as read (RawVar) into normalised values, the same way for every source format:
// unknown names are refused, {{ env.NAME }} is substituted where the source allows templates,
// then each var's own check (schema.ts) runs. Every problem is reported at the value (or the
// list item) it concerns; secret values never appear in a message.
import os from 'node:os';
import path from 'node:path';
import type { FieldProblem } from '../core/errors.js';
import { expandEnv } from './env.js';
import { type Origin, type RawValue, type RawVar, problemAt } from './raw.js';
import { KNOWN_VARS, type VarContext, isKnownVar, unknownVarMessage } from './schema.js';

/** Marks a var whose value was invalid (already reported), so later checks do not pile on. */
export const INVALID: unique symbol = Symbol('invalid');
export type VarTable = Map<string, unknown>;

export class VarChecker {
  private readonly contexts = new Map<string, VarContext>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly problems: FieldProblem[],
  ) {}

  /** Check `vars` in order into `into`; a later definition of the same var wins. */
  check(vars: readonly RawVar[], into: VarTable): void {
    for (const v of vars) {
      const spec = KNOWN_VARS[v.name];
      if (!spec || !isKnownVar(v.name)) {
        this.problems.push(problemAt(v.keyAt, unknownVarMessage(v.name)));
        continue;
      }
      if (v.problems?.length) {
        this.problems.push(...v.problems);
        into.set(v.name, INVALID);
        continue;
      }
      const before = this.problems.length;
      const raw = v.templated ? this.expand(v.value) : v.value.value;
      if (this.problems.length > before) {
        into.set(v.name, INVALID);
        continue;
      }
      const result = spec.validate(raw, this.context(v.keyAt.file));
      if (result.ok) {
        into.set(v.name, result.value);
        continue;
      }
      into.set(v.name, INVALID);
      for (const p of result.problems) {
        const at = p.index === undefined ? v.value.at : itemAt(v.value, p.index);
        this.problems.push(problemAt(at, p.message));
      }
    }
  }

  /** The value as plain data with {{ env.NAME }} substituted in every string, lists included. */
  private expand(raw: RawValue): unknown {
    const { value } = raw;
    if (typeof value === 'string') {
      const expanded = expandEnv(value, this.env);
      for (const p of expanded.problems) this.problems.push(problemAt(raw.at, p.message, p.unsetVariable));
      return expanded.value;
    }
    if (Array.isArray(value)) return value.map((item, i) => this.expand(raw.items?.[i] ?? { value: item, at: itemAt(raw, i) }));
    return value;
  }

  /** Relative local paths are relative to the file that wrote them, whatever the cwd. */
  private context(file: string): VarContext {
    let ctx = this.contexts.get(file);
    if (!ctx) {
      ctx = { baseDir: path.dirname(path.resolve(file)), home: os.homedir() };
      this.contexts.set(file, ctx);
    }
    return ctx;
  }
}

function itemAt(raw: RawValue, index: number): Origin {
  return raw.items?.[index]?.at ?? { ...raw.at, path: `${raw.at.path}[${index}]` };
}
