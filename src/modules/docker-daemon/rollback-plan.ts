// Desired state after a rollback: `registry-mirrors` back to what it was before fleet's first
// apply (absent, or the operator's own mirrors), every other key as it is now, and the running
// daemon really using the old mirrors. Pure.
//
// dockerd's reload only updates mirrors when the key is present: removing the key and reloading
// leaves the old mirror active. So when the key must go, the plan first writes
// `"registry-mirrors": []` and reloads (the daemon drops the mirrors), then writes the file
// without the key, which needs no further reload. With --restart the final file is applied directly.
import type { Change, DockerApplyMethod, WriteFileChange } from '../../core/change.js';
import type { ClientFacts } from '../../facts/docker-client.js';
import { fileMirrors, hasMirrorsKey, MIRRORS_KEY, parseDaemonJson, sameMirrors, setTopLevelKey } from './daemon-json.js';
import { supportsValidate, type ClientPlan } from './plan.js';

export interface RollbackSpec {
  readonly daemonJsonPath: string;
  /** Mirrors before fleet's first apply; null when the key was absent (or nothing is recorded). */
  readonly originalMirrors: readonly string[] | null;
  readonly restart: boolean;
  readonly backupSuffix: string;
}

export function planRollback(spec: RollbackSpec, facts: ClientFacts): ClientPlan {
  if (!facts.dockerd.running) return { kind: 'refuse', reason: 'dockerd is not running on this host' };
  if (facts.daemonJson.problem) return { kind: 'refuse', reason: `${spec.daemonJsonPath} is ${facts.daemonJson.problem}; left untouched` };
  const json = parseDaemonJson(facts.daemonJson.exists ? facts.daemonJson.text : undefined);
  if (json.kind === 'invalid') return { kind: 'refuse', reason: `${spec.daemonJsonPath} is ${json.error}; left untouched, fix it by hand` };
  if (facts.activeMirrors === undefined) return { kind: 'refuse', reason: `cannot read the daemon's mirrors: ${facts.dockerInfoError ?? 'docker info gave no answer'}` };

  const target = spec.originalMirrors;
  const expectMirrors = target ?? [];
  const fileInSync = target === null ? !hasMirrorsKey(json) : sameMirrors(fileMirrors(json) ?? ['<not a list>'], target);
  const daemonInSync = sameMirrors(facts.activeMirrors, expectMirrors);
  if (fileInSync && daemonInSync) {
    return { kind: 'in-sync', reason: target === null ? `no ${MIRRORS_KEY} in daemon.json and none active` : `${MIRRORS_KEY} is back to ${JSON.stringify(target)}` };
  }
  if (json.kind === 'absent') {
    // Nothing to edit: only the daemon still has mirrors (from a flag-less earlier state).
    return { kind: 'refuse', reason: `${spec.daemonJsonPath} does not exist but the daemon uses ${JSON.stringify(facts.activeMirrors)}; they are not fleet's to remove` };
  }

  const method: DockerApplyMethod = spec.restart ? 'systemctl-restart' : facts.hasSystemctl && facts.dockerUnitState === 'active' ? 'systemctl-reload' : 'sighup';
  const finalContent = setTopLevelKey(json, MIRRORS_KEY, target === null ? undefined : [...target]);
  const base = { path: spec.daemonJsonPath, mode: facts.daemonJson.mode ?? 0o644, uid: facts.daemonJson.uid ?? 0, gid: facts.daemonJson.gid ?? 0, validateWithDockerd: supportsValidate(facts.dockerd.version) };
  const backupPath = `${spec.daemonJsonPath}.fleet-backup-${spec.backupSuffix}`;
  const reason = target === null ? `remove ${MIRRORS_KEY}` : `${MIRRORS_KEY} back to ${JSON.stringify(target)}`;
  const changes: Change[] = [];

  if (target === null && !daemonInSync && method !== 'systemctl-restart') {
    const clearing = setTopLevelKey(json, MIRRORS_KEY, []);
    const first: WriteFileChange = { kind: 'write-file', ...base, content: clearing, before: json.text, backupPath, reason: `set ${MIRRORS_KEY} to [] so a reload drops the active mirrors` };
    changes.push(first, { kind: 'apply-docker-config', method, reason: 'make the daemon drop its mirrors' });
    changes.push({ kind: 'write-file', ...base, content: finalContent, before: clearing, reason });
  } else {
    if (!fileInSync) changes.push({ kind: 'write-file', ...base, content: finalContent, before: json.text, backupPath, reason });
    if (!daemonInSync) changes.push({ kind: 'apply-docker-config', method, reason: `daemon must use ${JSON.stringify(expectMirrors)}` });
  }
  return { kind: 'change', changes, expectMirrors };
}
