// The cache host as converge modules: apply (the registry container, its config and firewall) and
// removal (`rollback --cache`). Neither has a restore plan: the container and the firewall are not
// files to put back, and a half-applied cache leaves the mirror port closed (firewall first,
// container last), which the next apply completes.
import type { ConvergeModule } from '../../core/module.js';
import { cacheFactsCommand, parseCacheFacts, type CacheFacts } from '../../facts/cache-host.js';
import type { CacheSettings } from '../../inventory/model.js';
import { FIREWALL_CHAIN, isFleetJump } from './firewall.js';
import { planCache, type CacheVerify, type FreshIds } from './plan.js';
import { planCacheRemoval, type RemovalVerify } from './removal-plan.js';
import { CONTAINER_NAME } from './spec.js';

/** How long a new registry container may take to answer on the host. */
const REGISTRY_START_MS = 20_000;

export function cacheModule(settings: CacheSettings, sources: readonly string[], fresh: FreshIds): ConvergeModule<CacheFacts, CacheVerify> {
  const probeUrl = registryUrl(settings.mirrorPort);
  return {
    name: 'the registry cache',
    factsCommand: () => cacheFactsCommand(settings.image, settings.dataDir, probeUrl),
    parseFacts: (result) => parseCacheFacts(result, probeUrl),
    plan: (facts) => planCache(settings, sources, facts, fresh),
    verify: (facts, verify) => registryShortfall(facts, registryUrl(verify.port)),
    verifyWithinMs: REGISTRY_START_MS,
    changedMessage: ({ changes }) => `${changes.length} change(s) made`,
  };
}

export function cacheRemovalModule(settings: CacheSettings, purge: boolean): ConvergeModule<CacheFacts, RemovalVerify> {
  return {
    name: 'the cache removal',
    factsCommand: () => cacheFactsCommand(settings.image, settings.dataDir),
    parseFacts: (result) => parseCacheFacts(result),
    plan: (facts) => planCacheRemoval(facts, purge ? settings.dataDir : undefined),
    verify: removalShortfall,
    changedMessage: ({ verify }) => (verify.purged ? 'cache removed, data purged' : `cache removed; cached data kept in ${settings.dataDir}`),
  };
}

/** The registry's /v2/ on the host itself (loopback is not subject to DOCKER-USER). */
function registryUrl(port: number): string {
  return `http://127.0.0.1:${port}/v2/`;
}

function registryShortfall(facts: CacheFacts, url: string): string | undefined {
  const probe = facts.registryProbe;
  // A host without curl or wget cannot be probed here; the client-side health gate still is.
  if (probe === undefined || probe.ok || probe.unprobed) return undefined;
  return `the registry container does not answer ${url} on the cache host: ${probe.detail}`;
}

function removalShortfall(facts: CacheFacts, verify: RemovalVerify): string | undefined {
  const left = [
    ...(facts.container ? [`container ${CONTAINER_NAME}`] : []),
    ...(facts.chainRules !== undefined || facts.dockerUserRules.some(isFleetJump) ? [`firewall chain ${FIREWALL_CHAIN}`] : []),
    ...(verify.purged && facts.dataDir.state !== 'absent' ? [verify.purged] : []),
  ];
  return left.length > 0 ? `still there: ${left.join(', ')}` : undefined;
}
