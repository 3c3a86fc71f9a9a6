// Desired state of a Docker client: the daemon uses exactly `mirrors`, from daemon.json.
// Pure: facts in, a plan out. The runner gathers the facts and carries the plan out.
import type { Change, DockerApplyMethod } from '../../core/change.js';
import type { ModulePlan } from '../../core/plan.js';
import type { ClientFacts } from '../../facts/docker-client.js';
import { bootHookApplyPart } from '../boot-hook/plan.js';
import { mirrorReachability } from '../mirrors/reachability.js';
import type { BootHookExpectation } from '../boot-hook/state.js';
import { fileMirrors, hasMirrorsKey, MIRRORS_KEY, parseDaemonJson, sameMirrors, setTopLevelKey, type DaemonJson } from './daemon-json.js';

export interface ClientSpec {
  readonly daemonJsonPath: string;
  readonly mirrors: readonly string[];
  /** Restart dockerd instead of reloading it (kills running containers unless live-restore). */
  readonly restart: boolean;
  /** Suffix for the on-host backup of the previous daemon.json, unique per run. */
  readonly backupSuffix: string;
  /** The inventory's boot hook for this client. */
  readonly bootHook: BootHookExpectation;
}

/** What the hook must look like once the changes are made, checked by reading its files again. */
export interface HookGoal {
  readonly goal: 'installed' | 'removed';
  readonly expected: BootHookExpectation;
}

/** What the client must show once the changes are made: the daemon's mirrors, and the hook's files. */
export interface DockerVerify {
  readonly mirrors: readonly string[];
  readonly hook?: HookGoal;
}

export type ClientPlan = ModulePlan<DockerVerify>;

/** Docker Engine 23.0 added `dockerd --validate`. */
export function supportsValidate(version: string | undefined): boolean {
  const major = Number(/^(\d+)\./.exec(version ?? '')?.[1]);
  return Number.isFinite(major) && major >= 23;
}

export function planClient(spec: ClientSpec, facts: ClientFacts): ClientPlan {
  const json = readDaemonJson(facts);
  const hook = bootHookApplyPart(spec.bootHook, facts);
  const refusal = refusalReason(spec, facts, json);
  if (refusal) return { kind: 'refuse', reason: refusal };
  if ('refuse' in hook) return { kind: 'refuse', reason: hook.refuse };

  const current = fileMirrors(json);
  const fileInSync = current !== undefined && sameMirrors(current, spec.mirrors);
  const daemonInSync = facts.activeMirrors !== undefined && sameMirrors(facts.activeMirrors, spec.mirrors);

  const changes: Change[] = [];
  if (!fileInSync) {
    const target = daemonJsonTarget(spec.daemonJsonPath, facts);
    changes.push({
      ...target,
      content: setTopLevelKey(json, MIRRORS_KEY, [...spec.mirrors]),
      ...(json.kind !== 'absent' ? { before: json.text, backupPath: backupPathFor(target.path, spec.backupSuffix) } : {}),
      reason: current === undefined ? `add ${MIRRORS_KEY} ${JSON.stringify(spec.mirrors)}` : `${MIRRORS_KEY} ${JSON.stringify(current)} -> ${JSON.stringify(spec.mirrors)}`,
    });
  }
  if (!fileInSync || !daemonInSync) {
    changes.push({
      kind: 'apply-docker-config',
      method: applyMethod(spec.restart, facts),
      expectMirrors: spec.mirrors,
      reason: fileInSync
        ? `running daemon has mirrors ${JSON.stringify(facts.activeMirrors)}, daemon.json has ${JSON.stringify(spec.mirrors)}`
        : 'apply the new daemon.json to the running daemon',
    });
  }
  // The hook after the daemon.json changes: the mirrors first, then what keeps them at every start.
  changes.push(...hook.changes);
  const { warnings } = mirrorReachability(facts.probes);
  const warned = warnings.length > 0 ? { warnings } : {};
  if (changes.length === 0) {
    const hooked = spec.bootHook.wanted ? ', and the boot hook is installed' : '';
    return { kind: 'in-sync', reason: `${MIRRORS_KEY} is ${JSON.stringify(spec.mirrors)} in daemon.json and in the running daemon${hooked}`, ...warned };
  }
  return { kind: 'change', changes, verify: { mirrors: spec.mirrors, ...(hook.changes.length > 0 ? { hook: { goal: 'installed', expected: spec.bootHook } } : {}) }, ...warned };
}

function refusalReason(spec: ClientSpec, facts: ClientFacts, json: DaemonJson): string | undefined {
  const unsafe = uneditableReason(spec.daemonJsonPath, facts, json);
  if (unsafe) return unsafe;
  if (facts.mirrorFlagSources.length > 0) {
    return `registry mirrors are already set as a dockerd flag (${facts.mirrorFlagSources.join('; ')}); setting them in daemon.json as well would stop dockerd from starting. Remove the flag first`;
  }
  const unknown = unknownMirrorsReason(facts);
  if (unknown) return unknown;
  return mirrorReachability(facts.probes).refuse;
}

// What apply and rollback share: reading the file, when it must not be touched, how the new
// file is written, and how the daemon is told.

export function readDaemonJson(facts: ClientFacts): DaemonJson {
  return parseDaemonJson(facts.daemonJson.exists ? facts.daemonJson.text : undefined);
}

/** The daemon is down, or the file cannot be read or is not a JSON object: leave the host alone. */
export function uneditableReason(path: string, facts: ClientFacts, json: DaemonJson): string | undefined {
  if (!facts.dockerd.running) return 'dockerd is not running on this host';
  if (facts.daemonJson.problem) return `${path} is ${facts.daemonJson.problem}; left untouched`;
  if (json.kind === 'invalid') return `${path} is ${json.error}; left untouched, fix it by hand`;
  return undefined;
}

export function unknownMirrorsReason(facts: ClientFacts): string | undefined {
  return facts.activeMirrors === undefined ? `cannot read the daemon's mirrors: ${facts.dockerInfoError ?? 'docker info gave no answer'}` : undefined;
}

/** Where and how daemon.json is written: a new file gets Docker's usual 0644 root:root; an
 * existing one keeps its mode and owner. A symlinked daemon.json is edited where the link leads,
 * so the link stays and its target is never left stale. */
export function daemonJsonTarget(path: string, facts: ClientFacts) {
  return {
    kind: 'write-file' as const,
    path: facts.daemonJson.linkTarget ?? path,
    mode: facts.daemonJson.mode ?? 0o644,
    uid: facts.daemonJson.uid ?? 0,
    gid: facts.daemonJson.gid ?? 0,
    validateWithDockerd: supportsValidate(facts.dockerd.version),
  };
}

/** The on-host backup of the file at `path`, beside it (the write command keeps it there). */
export function backupPathFor(path: string, suffix: string): string {
  return `${path}.fleet-backup-${suffix}`;
}

export function applyMethod(restart: boolean, facts: ClientFacts): DockerApplyMethod {
  if (restart) return 'systemctl-restart';
  return facts.hasSystemctl && facts.dockerUnitState === 'active' ? 'systemctl-reload' : 'sighup';
}

/**
 * The mirrors the daemon shows once daemon.json holding `text` (undefined: no file) is applied by
 * `method`, when that can be told: a reload ignores a file without the key (the daemon keeps what
 * it had), a restart starts from the file alone.
 */
export function mirrorsOnceApplied(text: string | undefined, method: DockerApplyMethod): readonly string[] | undefined {
  const json = parseDaemonJson(text);
  const mirrors = fileMirrors(json);
  if (mirrors !== undefined) return mirrors;
  return method === 'systemctl-restart' && !hasMirrorsKey(json) ? [] : undefined;
}

/**
 * What daemon.json must hold for a reload to drop the run's mirrors, when the original has no
 * registry-mirrors key (absent, empty or an object without it); undefined when a plain reapply of
 * the original does it (the key is there, or a restart starts from the file alone).
 */
export function clearingContent(original: string | undefined, method: DockerApplyMethod): string | undefined {
  if (method === 'systemctl-restart') return undefined;
  const json = parseDaemonJson(original);
  if (json.kind === 'invalid' || hasMirrorsKey(json)) return undefined;
  return setTopLevelKey(json, MIRRORS_KEY, []);
}
