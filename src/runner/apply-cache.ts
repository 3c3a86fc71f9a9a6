// Apply the cache state on one cache host, through the converge engine: facts -> plan -> execute
// -> the registry answers on the host's loopback.
import type { CacheSettings, Host } from '../inventory/model.js';
import { drawFreshIds } from '../modules/registry-cache/fresh-ids.js';
import { cacheModule } from '../modules/registry-cache/module.js';
import { converge, type ConvergeOptions, type PartialOutcome } from './converge.js';
import type { Emit } from './events.js';
import type { HostShell } from './host-shell.js';

export function applyCache(host: Host, settings: CacheSettings, sources: readonly string[], shell: HostShell, options: ConvergeOptions, emit: Emit): Promise<PartialOutcome> {
  return converge(host.name, cacheModule(settings, sources, drawFreshIds()), shell, options, emit);
}
