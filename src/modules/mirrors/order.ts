// Which mirrors a client gets, in which order: every cache's mirror, ordered for this client by
// rendezvous (highest random weight) hashing of the client's name with each mirror, then the
// public fallbacks. Pure.
//
// Runtimes try mirrors in order and fall back on an error, so the first mirror takes a client's
// load: hashing spreads clients evenly over the caches, and each client always gets the same
// order (its mirror list, and so its config file, does not churn between runs). Rendezvous
// hashing also keeps orders stable when a cache is added or removed: only the clients whose
// first cache left (or whose new cache wins) change their first mirror.
import { sha256 } from '../../core/hash.js';

/** The mirrors of a client, caches first (hashed order), then the fallbacks in the given order. */
export function clientMirrorOrder(clientName: string, cacheMirrors: readonly string[], fallbacks: readonly string[] = []): string[] {
  const caches = [...new Set(cacheMirrors)]
    .map((mirror) => ({ mirror, weight: rendezvousWeight(clientName, mirror) }))
    .sort((a, b) => b.weight.localeCompare(a.weight) || a.mirror.localeCompare(b.mirror))
    .map((entry) => entry.mirror);
  const seen = new Set(caches);
  return [...caches, ...fallbacks.filter((fallback) => !seen.has(fallback) && seen.add(fallback))];
}

/** A client's weight for one mirror: a hex digest, so comparing strings compares the numbers. */
function rendezvousWeight(clientName: string, mirror: string): string {
  // NUL separates the two so ("ab", "c") and ("a", "bc") weigh differently.
  return sha256(`${clientName}\0${mirror}`);
}
