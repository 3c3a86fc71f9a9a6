// Where an inventory comes from: each source (-i, in order) is read by the reader for its format
// into the common raw shape (raw.ts), then all of them are merged, checked and normalised
// together (normalise.ts). Nothing stops at the first problem: every problem of every source is
// thrown together as one InventoryError.
import { readFile } from 'node:fs/promises';
import { InventoryError } from '../core/errors.js';
import type { Inventory } from './model.js';
import { normalise } from './normalise.js';
import type { RawSource } from './raw.js';
import { YamlDoc } from './yaml-doc.js';
import { readYamlInventory } from './yaml-source.js';

/** Read and merge inventory sources. Rejects with InventoryError on any problem. */
export async function loadInventory(sources: string | readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Inventory> {
  const files = typeof sources === 'string' ? [sources] : sources;
  const raw = await Promise.all(files.map((file) => readSource(file)));
  return normalise(raw, { env });
}

/**
 * Parse the text of a YAML inventory. `file` is used in messages and to resolve relative key
 * paths; `env` supplies {{ env.NAME }} values. Throws InventoryError listing every problem.
 */
export function parseInventory(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Inventory {
  return normalise([readYamlInventory(new YamlDoc(text, file))], { env });
}

async function readSource(file: string): Promise<RawSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InventoryError([{ file, path: '', message: `cannot read inventory: ${reason}` }]);
  }
  return readYamlInventory(new YamlDoc(text, file));
}
