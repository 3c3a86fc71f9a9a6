// Random values for a cache host that has none yet: its registry config key and its data dir
// marker id. The only randomness of the cache plan, drawn by the caller so the plan stays pure.
import { randomBytes } from 'node:crypto';
import type { FreshIds } from './plan.js';

export function drawFreshIds(): FreshIds {
  return { configKey: randomBytes(32).toString('hex'), dataDirId: randomBytes(16).toString('hex') };
}
