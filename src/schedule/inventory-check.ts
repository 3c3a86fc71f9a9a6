// The inventory is checked when the schedule is rendered, so a typo fails now rather than at the
// first scheduled run. Hosts are never contacted, and dynamic sources are checked offline (a
// script is not run, Nomad is not asked: their credentials may exist only where the check runs).
// Variables the inventory reads from the environment are usually unset here (they live in the
// env file or the CI context): those are reported as a note, not an error.
import { InventoryError } from '../core/errors.js';
import { loadInventory } from '../inventory/load.js';

/** Throws InventoryError for real problems; returns the names of environment variables unset here. */
export async function checkInventory(sources: string | readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  try {
    await loadInventory(sources, env, { offline: true });
    return [];
  } catch (err) {
    if (!(err instanceof InventoryError)) throw err;
    const unset = new Map<string, string>();
    for (const p of err.problems) {
      if (p.unsetVariable) unset.set(p.path, p.unsetVariable);
    }
    // A field whose variable is unset may fail its own validation too (a port "{{ env.P }}"):
    // that follows from the unset variable and is not reported either.
    const real = err.problems.filter((p) => !unset.has(p.path));
    if (real.length) throw new InventoryError(real);
    return [...new Set(unset.values())].sort();
  }
}
