// What `fleet check` finds on a Podman or containerd client, in the words the Docker findings use:
// the mirrors missing or wrong (drift, fixed by apply), a conflicting configuration (drift, to be
// removed by hand first), a host that cannot be judged (error). Pure: the module's plan in, findings out.
import { describeChange } from '../core/change.js';
import type { Finding } from '../core/finding.js';
import type { ModulePlan } from '../core/plan.js';

export interface RuntimeCheckSpec {
  readonly runtime: 'podman' | 'containerd';
  /** The file fleet manages for this runtime, e.g. the registries.conf.d drop-in. */
  readonly subject: string;
  readonly mirrors: readonly string[];
  readonly fixCommand: string;
}

/** `plan`: the apply plan for the host's facts, computed as if restarts were allowed. */
export function runtimeFindings(spec: RuntimeCheckSpec, plan: ModulePlan<unknown>): Finding[] {
  const expected = `Docker Hub mirrors ${JSON.stringify(spec.mirrors)}`;
  switch (plan.kind) {
    case 'in-sync':
      return [];
    case 'change':
      return [{ kind: 'runtime-mirrors', severity: 'drift', subject: spec.subject, expected, found: `apply would ${plan.changes.map(describeChange).join('; ')}`, fix: spec.fixCommand }];
    case 'refuse':
      return plan.conflict
        ? [{ kind: 'mirror-conflict', severity: 'drift', subject: spec.subject, expected, found: plan.reason, fix: `remove the other configuration, then ${spec.fixCommand}` }]
        : [{ kind: 'runtime-unusable', severity: 'error', subject: spec.runtime, expected: `${spec.runtime} running and its configuration readable`, found: plan.reason, fix: 'fix the host, then check again' }];
  }
}
