// Desired state of a Docker client: the daemon uses exactly `mirrors`, from daemon.json.
// Pure: facts in, a plan out. The runner gathers the facts and carries the plan out.
import type { Change, DockerApplyMethod } from '../../core/change.js';
import type { ClientFacts } from '../../facts/docker-client.js';
import { fileMirrors, MIRRORS_KEY, parseDaemonJson, sameMirrors, setTopLevelKey } from './daemon-json.js';

export interface ClientSpec {
  readonly daemonJsonPath: string;
  readonly mirrors: readonly string[];
  /** Restart dockerd instead of reloading it (kills running containers unless live-restore). */
  readonly restart: boolean;
  /** Suffix for the on-host backup of the previous daemon.json, unique per run. */
  readonly backupSuffix: string;
}

export type ClientPlan =
  /** The host cannot be changed safely; nothing is touched. */
  | { readonly kind: 'refuse'; readonly reason: string }
  | { readonly kind: 'in-sync'; readonly reason: string }
  | { readonly kind: 'change'; readonly changes: readonly Change[]; readonly expectMirrors: readonly string[] };

/** Docker Engine 23.0 added `dockerd --validate`. */
export function supportsValidate(version: string | undefined): boolean {
  const major = Number(/^(\d+)\./.exec(version ?? '')?.[1]);
  return Number.isFinite(major) && major >= 23;
}

export function planClient(spec: ClientSpec, facts: ClientFacts): ClientPlan {
  const refusal = refusalReason(spec, facts);
  if (refusal) return { kind: 'refuse', reason: refusal };

  const json = parseDaemonJson(facts.daemonJson.exists ? facts.daemonJson.text : undefined);
  const current = fileMirrors(json);
  const fileInSync = current !== undefined && sameMirrors(current, spec.mirrors);
  const daemonInSync = facts.activeMirrors !== undefined && sameMirrors(facts.activeMirrors, spec.mirrors);

  const changes: Change[] = [];
  if (!fileInSync) {
    changes.push({
      kind: 'write-file',
      path: spec.daemonJsonPath,
      content: setTopLevelKey(json, MIRRORS_KEY, [...spec.mirrors]),
      ...(json.kind !== 'absent' ? { before: json.text } : {}),
      // A new file gets Docker's usual 0644 root:root; an existing one keeps its mode and owner.
      mode: facts.daemonJson.mode ?? 0o644,
      uid: facts.daemonJson.uid ?? 0,
      gid: facts.daemonJson.gid ?? 0,
      ...(json.kind !== 'absent' ? { backupPath: `${spec.daemonJsonPath}.fleet-backup-${spec.backupSuffix}` } : {}),
      validateWithDockerd: supportsValidate(facts.dockerd.version),
      reason: current === undefined ? `add ${MIRRORS_KEY} ${JSON.stringify(spec.mirrors)}` : `${MIRRORS_KEY} ${JSON.stringify(current)} -> ${JSON.stringify(spec.mirrors)}`,
    });
  }
  if (!fileInSync || !daemonInSync) {
    changes.push({
      kind: 'apply-docker-config',
      method: applyMethod(spec, facts),
      reason: fileInSync
        ? `running daemon has mirrors ${JSON.stringify(facts.activeMirrors)}, daemon.json has ${JSON.stringify(spec.mirrors)}`
        : 'apply the new daemon.json to the running daemon',
    });
  }
  if (changes.length === 0) {
    return { kind: 'in-sync', reason: `${MIRRORS_KEY} is ${JSON.stringify(spec.mirrors)} in daemon.json and in the running daemon` };
  }
  return { kind: 'change', changes, expectMirrors: spec.mirrors };
}

function refusalReason(spec: ClientSpec, facts: ClientFacts): string | undefined {
  if (!facts.dockerd.running) return 'dockerd is not running on this host';
  if (facts.daemonJson.problem) return `${spec.daemonJsonPath} is ${facts.daemonJson.problem}; left untouched`;
  const json = parseDaemonJson(facts.daemonJson.exists ? facts.daemonJson.text : undefined);
  if (json.kind === 'invalid') return `${spec.daemonJsonPath} is ${json.error}; left untouched, fix it by hand`;
  if (facts.mirrorFlagSources.length > 0) {
    return `registry mirrors are already set as a dockerd flag (${facts.mirrorFlagSources.join('; ')}); setting them in daemon.json as well would stop dockerd from starting. Remove the flag first`;
  }
  if (facts.activeMirrors === undefined) return `cannot read the daemon's mirrors: ${facts.dockerInfoError ?? 'docker info gave no answer'}`;
  const dead = facts.probes.filter((probe) => !probe.ok);
  if (dead.length > 0) {
    return dead.map((probe) => `mirror ${probe.url} does not answer GET /v2/ from this host: ${probe.detail}`).join('; ');
  }
  return undefined;
}

function applyMethod(spec: ClientSpec, facts: ClientFacts): DockerApplyMethod {
  if (spec.restart) return 'systemctl-restart';
  return facts.hasSystemctl && facts.dockerUnitState === 'active' ? 'systemctl-reload' : 'sighup';
}
