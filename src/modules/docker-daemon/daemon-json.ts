// Reading and editing daemon.json text. Pure: no I/O.
//
// dockerd reads strict JSON, so validity is judged with JSON.parse; the edit itself goes through
// jsonc-parser, which changes only the edited member and keeps key order, indentation and line
// endings of everything else (what an operator's diff should show).
import { applyEdits, modify, type FormattingOptions } from 'jsonc-parser';

export const MIRRORS_KEY = 'registry-mirrors';

/** What a daemon.json file holds, spelled out: each case is handled differently. */
export type DaemonJson =
  | { readonly kind: 'absent' }
  /** Empty or only white space: dockerd < 23 refuses it, we treat it as `{}`. */
  | { readonly kind: 'empty'; readonly text: string }
  | { readonly kind: 'object'; readonly text: string; readonly value: Readonly<Record<string, unknown>> }
  | { readonly kind: 'invalid'; readonly text: string; readonly error: string };

export function parseDaemonJson(text: string | undefined): DaemonJson {
  if (text === undefined) return { kind: 'absent' };
  if (text.trim() === '') return { kind: 'empty', text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', text, error: `not valid JSON (${(err as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { kind: 'invalid', text, error: `not a JSON object (top level is ${describe(value)})` };
  }
  return { kind: 'object', text, value: value as Record<string, unknown> };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

// Mirror lists are compared in core/mirror-url.ts; re-exported for this module's callers.
export { sameMirrors } from '../../core/mirror-url.js';

/**
 * The `registry-mirrors` value in the file: undefined when the key is absent, or a problem
 * string when it is not a list of strings (then we replace it wholesale).
 */
export function fileMirrors(json: DaemonJson): readonly string[] | undefined {
  if (json.kind !== 'object') return undefined;
  const raw = json.value[MIRRORS_KEY];
  if (!Array.isArray(raw) || !raw.every((m) => typeof m === 'string')) return undefined;
  return raw as string[];
}

export function hasMirrorsKey(json: DaemonJson): boolean {
  return json.kind === 'object' && Object.prototype.hasOwnProperty.call(json.value, MIRRORS_KEY);
}

/** Guess the file's indentation and line ending so an edit looks like the rest of the file. */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /^([ \t]+)\S/m.exec(text)?.[1];
  if (indent?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent ? indent.length : 2, eol };
}

/**
 * Set (value given) or remove (undefined) one top-level key, keeping every other byte of the file
 * where possible. `json` must be absent, empty or an object: invalid files are never edited.
 */
export function setTopLevelKey(json: DaemonJson, key: string, value: unknown): string {
  if (json.kind === 'invalid') throw new Error(`refusing to edit invalid JSON: ${json.error}`);
  if (json.kind === 'absent' || json.kind === 'empty') {
    const object = value === undefined ? {} : { [key]: value };
    return `${JSON.stringify(object, null, 2)}\n`;
  }
  const formatting = detectFormatting(json.text);
  const edited = applyEdits(json.text, modify(json.text, [key], value, { formattingOptions: formatting }));
  // The edit must still be strict JSON with every other key unchanged; check rather than trust.
  const after = parseDaemonJson(edited);
  if (after.kind !== 'object') throw new Error(`edit produced invalid JSON (${after.kind === 'invalid' ? after.error : after.kind})`);
  for (const [k, v] of Object.entries(json.value)) {
    if (k === key) continue;
    if (JSON.stringify(after.value[k]) !== JSON.stringify(v)) throw new Error(`edit changed key "${k}"`);
  }
  return edited;
}
