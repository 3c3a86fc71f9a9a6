// containerd as a converge module: its facts (config.toml, fleet's hosts.toml, the daemon), a plan
// (apply or rollback), and the files read back (and, after a restart, containerd running anew).
import type { ConvergeModule } from '../../core/module.js';
import { reapplyingRestorePlan } from '../../core/restore.js';
import { containerdFactsCommand, parseContainerdFacts, type ContainerdFacts } from '../../facts/containerd.js';
import { fleetHostsMirrors, CONFIG_TOML_PATH, HOSTS_TOML_PATH } from './hosts-toml.js';
import { verifyContainerd, type ContainerdPlan, type ContainerdVerify } from './plan.js';
import { mirrorAddress } from '../../core/mirror-url.js';

export function containerdModule(plan: (facts: ContainerdFacts) => ContainerdPlan): ConvergeModule<ContainerdFacts, ContainerdVerify> {
  return {
    name: 'containerd',
    factsCommand: () => containerdFactsCommand({ configToml: CONFIG_TOML_PATH, hostsToml: HOSTS_TOML_PATH }),
    parseFacts: parseContainerdFacts,
    plan,
    verify: verifyContainerd,
    changedMessage: ({ verify }) =>
      verify.hostsToml === null
        ? `${HOSTS_TOML_PATH} removed; no Docker Hub mirror`
        : `Docker Hub mirrors now ${JSON.stringify(fleetHostsMirrors(verify.hostsToml, mirrorAddress) ?? [])} (${HOSTS_TOML_PATH})${verify.restartedFrom !== undefined ? '; containerd restarted' : ''}`,
    restore: reapplyingRestorePlan,
  };
}
