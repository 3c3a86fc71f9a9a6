// Podman as a converge module: its facts (registries files, `podman info`, a running system
// service), a plan (apply or rollback), and `podman info` showing the planned Docker Hub mirrors.
import type { ConvergeModule } from '../../core/module.js';
import { reapplyingRestorePlan } from '../../core/restore.js';
import { parsePodmanFacts, podmanFactsCommand, type PodmanFacts } from '../../facts/podman.js';
import { verifyPodman, type PodmanPlan, type PodmanVerify } from './plan.js';
import { describePodmanMirrors, FLEET_DROP_IN_PATH, PODMAN_PATHS } from './registries-conf.js';

export function podmanModule(plan: (facts: PodmanFacts) => PodmanPlan): ConvergeModule<PodmanFacts, PodmanVerify> {
  return {
    name: 'podman',
    factsCommand: () => podmanFactsCommand(PODMAN_PATHS),
    parseFacts: parsePodmanFacts,
    plan,
    verify: verifyPodman,
    changedMessage: ({ verify }) =>
      verify.mirrors.length > 0 ? `Docker Hub mirrors now ${describePodmanMirrors(verify.mirrors)} (${FLEET_DROP_IN_PATH})` : `${FLEET_DROP_IN_PATH} removed; no Docker Hub mirror`,
    restore: reapplyingRestorePlan,
  };
}
