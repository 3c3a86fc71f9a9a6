// Where an inventory comes from: each source (-i, in order) is read by the reader for its format
// into the common raw shape (raw.ts), then all of them are merged, checked and normalised
// together (normalise.ts). Nothing stops at the first problem: every problem of every source is
// thrown together as one InventoryError.
//
// The format of a source:
// - an executable file starting with #! (or a compiled program): run it (script-source.ts);
// - .json, or text starting with { in the shape ansible-inventory --list prints: JSON;
// - .yml/.yaml (or, without those extensions, text that reads as a YAML mapping): YAML, and a
//   YAML file whose first key is `plugin` is a plugin configuration (plugin: nomad);
// - anything else: Ansible INI.
import { access, constants, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap } from 'yaml';
import { InventoryError } from '../core/errors.js';
import { readIniInventory } from './ini/ini-source.js';
import { looksLikeListJson, readAnsibleJson } from './json-source.js';
import type { Inventory } from './model.js';
import { isPluginConfig } from './nomad/config.js';
import { readNomadSource } from './nomad/source.js';
import { normalise } from './normalise.js';
import { RawBuilder, type RawSource } from './raw.js';
import { readScriptInventory } from './script-source.js';
import { YamlDoc } from './yaml-doc.js';
import { readYamlInventory } from './yaml-source.js';

export interface LoadOptions {
  /**
   * Check dynamic sources without running them: scripts are not run and the Nomad API is not
   * asked (fleet schedule validates an inventory where those may not be reachable).
   */
  readonly offline?: boolean;
}

/** Read and merge inventory sources. Rejects with InventoryError on any problem. */
export async function loadInventory(sources: string | readonly string[], env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Promise<Inventory> {
  const files = typeof sources === 'string' ? [sources] : sources;
  if (files.length === 0) throw new InventoryError([{ file: '', path: '', message: 'no inventory given' }]);
  const raw = await Promise.all(files.map((file) => readSource(file, env, options)));
  return normalise(raw, { env });
}

/**
 * Parse the text of a YAML inventory. `file` is used in messages and to resolve relative key
 * paths; `env` supplies {{ env.NAME }} values. Throws InventoryError listing every problem.
 */
export function parseInventory(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Inventory {
  return normalise([readYamlInventory(new YamlDoc(text, file))], { env });
}

const YAML_EXTENSIONS = new Set(['.yml', '.yaml']);
const INI_EXTENSIONS = new Set(['.ini', '.cfg']);

async function readSource(file: string, env: NodeJS.ProcessEnv, options: LoadOptions): Promise<RawSource> {
  let text: string;
  try {
    if ((await stat(file)).isDirectory()) return unreadable(file, 'is a directory: give each inventory file with its own -i');
    if (await isProgram(file)) {
      if (!options.offline) return await readScriptInventory(file, env);
      return { ...new RawBuilder(file).source, unresolved: true };
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return unreadable(file, `cannot read inventory: ${reason}`);
  }
  return readText(text, file, env, options);
}

async function readText(text: string, file: string, env: NodeJS.ProcessEnv, options: LoadOptions): Promise<RawSource> {
  const ext = path.extname(file).toLowerCase();
  if (INI_EXTENSIONS.has(ext)) return readIniInventory(text, file);
  const maybeJson = ext === '.json' || (!YAML_EXTENSIONS.has(ext) && text.trimStart().startsWith('{'));
  // JSON in the YAML shape (hosts as a mapping) is YAML, and read as such (as Ansible reads it).
  if (maybeJson && looksLikeListJson(text, ext === '.json')) return readAnsibleJson(text, file, { templated: true }).source;
  const doc = new YamlDoc(text, file);
  const isYaml = YAML_EXTENSIONS.has(ext) || ext === '.json' || (doc.ok && isMap(doc.doc.contents));
  if (!isYaml) return readIniInventory(text, file);
  if (isPluginConfig(doc)) return readNomadSource(doc, { env, ...(options.offline ? { offline: true } : {}) });
  return readYamlInventory(doc);
}

/** Executable by us and a program (#! script or ELF binary), not a data file with an x bit. */
async function isProgram(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
  } catch {
    return false;
  }
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    const start = head.subarray(0, bytesRead);
    return start.subarray(0, 2).toString('latin1') === '#!' || start.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    await handle.close();
  }
}

function unreadable(file: string, message: string): RawSource {
  return { ...new RawBuilder(file).source, problems: [{ file, path: '', message }], complete: false };
}
