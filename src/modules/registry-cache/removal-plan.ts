// `fleet rollback --cache`: take away everything fleet put on a cache host. The cached data stays
// unless purge is asked for. Pure.
import type { Change } from '../../core/change.js';
import { sh } from '../../core/command.js';
import type { CacheFacts } from '../../facts/cache-host.js';
import { CONTAINER_NAME, ENV_FILE, FIREWALL_CHAIN, FIREWALL_SCRIPT, FIREWALL_UNIT, FIREWALL_UNIT_PATH, fleetJumps } from './spec.js';

export type RemovalPlan = { readonly kind: 'in-sync'; readonly reason: string } | { readonly kind: 'change'; readonly changes: readonly Change[] };

export function planCacheRemoval(facts: CacheFacts, purgeDataDir: string | undefined): RemovalPlan {
  const changes: Change[] = [];
  if (facts.container) {
    changes.push({ kind: 'exec', script: `docker rm -f ${CONTAINER_NAME} >/dev/null`, label: `remove container ${CONTAINER_NAME}`, reason: 'rollback --cache' });
  }
  const jumps = fleetJumps(facts.dockerUserRules);
  if (jumps.length > 0 || facts.chainRules !== undefined) {
    const script = [
      ...jumps.map((rule) => `iptables -w ${rule.replace(/^-A /, '-D ')}`),
      ...(facts.chainRules !== undefined ? [`iptables -w -F ${FIREWALL_CHAIN}`, `iptables -w -X ${FIREWALL_CHAIN}`] : []),
    ].join('\n');
    changes.push({ kind: 'exec', script, label: 'remove firewall rules', reason: `chain ${FIREWALL_CHAIN} and its DOCKER-USER jump` });
  }
  if (facts.firewallUnitSha !== undefined || facts.unitEnabled) {
    changes.push({
      kind: 'exec',
      script: `if command -v systemctl >/dev/null 2>&1; then systemctl disable ${FIREWALL_UNIT} >/dev/null 2>&1 || true; fi\nrm -f ${FIREWALL_UNIT_PATH} /etc/systemd/system/docker.service.wants/${FIREWALL_UNIT}\nif command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || true; fi`,
      label: `remove ${FIREWALL_UNIT}`,
      reason: 'rollback --cache',
    });
  }
  if (facts.firewallScriptSha !== undefined) changes.push({ kind: 'exec', script: `rm -f ${FIREWALL_SCRIPT}`, label: `remove ${FIREWALL_SCRIPT}`, reason: 'rollback --cache' });
  if (facts.envFileSha !== undefined) changes.push({ kind: 'exec', script: `rm -f ${ENV_FILE}`, label: `remove ${ENV_FILE}`, reason: 'holds the upstream credentials' });
  if (purgeDataDir !== undefined && facts.dataDirExists) {
    changes.push({ kind: 'exec', script: sh`rm -rf -- ${purgeDataDir}`, label: `purge ${purgeDataDir}`, reason: '--purge-cache' });
  }
  if (changes.length === 0) return { kind: 'in-sync', reason: 'no cache container, firewall rules, unit or secrets file left' };
  return { kind: 'change', changes };
}
