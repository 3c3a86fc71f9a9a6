// `fleet rollback --cache`: take away everything fleet put on a cache host. The cached data stays
// unless purge is asked for, and then only a directory fleet created and marked is deleted. Pure.
import type { Change } from '../../core/change.js';
import type { ModulePlan } from '../../core/plan.js';
import type { CacheFacts } from '../../facts/cache-host.js';
import { purgeDataDirScript, purgeRefusal } from './data-dir.js';
import { DOCKER_DROPIN, LEGACY_UNIT, legacyUnitRemovalScript, unloadDropInScript } from './boot-persistence.js';
import { FIREWALL_CHAIN, FIREWALL_SCRIPT, isFleetJump, removeRulesScript } from './firewall.js';
import { LEGACY_ENV_FILE, REGISTRY_CONFIG } from './registry-config.js';
import { CONTAINER_NAME, removeContainerScript } from './spec.js';

/** What must be gone afterwards; `purged`: the data directory too. */
export interface RemovalVerify {
  readonly purged?: string;
}

export type RemovalPlan = ModulePlan<RemovalVerify>;

export function planCacheRemoval(facts: CacheFacts, purgeDataDir: string | undefined): RemovalPlan {
  const refusal = purgeDataDir === undefined ? undefined : purgeRefusal(purgeDataDir, facts.dataDir);
  if (refusal) return { kind: 'refuse', reason: refusal };
  const changes: Change[] = [];
  const remove = (script: string, label: string, reason: string) => changes.push({ kind: 'exec', script, label, reason });
  if (facts.container) remove(removeContainerScript(), `remove container ${CONTAINER_NAME}`, 'rollback --cache');
  if (facts.dockerUserRules.some(isFleetJump) || facts.chainRules !== undefined) {
    remove(removeRulesScript(), 'remove firewall rules', `chain ${FIREWALL_CHAIN} and its DOCKER-USER jump`);
  }
  if (facts.dropInSha !== undefined || facts.dropInLoaded) {
    remove(unloadDropInScript(), `remove ${DOCKER_DROPIN}`, 'rollback --cache');
  }
  if (facts.legacyUnit) remove(legacyUnitRemovalScript(), `remove ${LEGACY_UNIT}`, 'rollback --cache');
  // After the drop-in is unloaded: a loaded drop-in whose script is gone would stop docker starting.
  if (facts.firewallScriptSha !== undefined) remove(`rm -f ${FIREWALL_SCRIPT}`, `remove ${FIREWALL_SCRIPT}`, 'rollback --cache');
  if (facts.configSha !== undefined) remove(`rm -f ${REGISTRY_CONFIG}`, `remove ${REGISTRY_CONFIG}`, 'holds the upstream credentials');
  if (facts.legacyEnvFile) remove(`rm -f ${LEGACY_ENV_FILE}`, `remove ${LEGACY_ENV_FILE}`, 'holds the upstream credentials');
  if (purgeDataDir !== undefined && facts.dataDir.state !== 'absent') remove(purgeDataDirScript(purgeDataDir), `purge ${purgeDataDir}`, '--purge-cache');
  if (changes.length === 0) return { kind: 'in-sync', reason: 'no cache container, firewall rules, drop-in, config or data fleet must remove' };
  return { kind: 'change', changes, verify: purgeDataDir === undefined ? {} : { purged: purgeDataDir } };
}
