// Desired state after a rollback: `registry-mirrors` back to what it was before fleet's first
// apply (absent, or the operator's own mirrors), every other key as it is now, and the running
// daemon really using the old mirrors. Pure.
//
// dockerd's reload only updates mirrors when the key is present: removing the key and reloading
// leaves the old mirror active. So when the key must go, the plan first writes
// `"registry-mirrors": []` and reloads (the daemon drops the mirrors), waits until the daemon shows
// none (a reload only signals dockerd, which may re-read the file late), then writes the file
// without the key, which needs no further reload. With --restart the final file is applied directly.
import type { Change, WriteFileChange } from '../../core/change.js';
import type { ClientFacts } from '../../facts/docker-client.js';
import { bootHookRollbackPart } from '../boot-hook/plan.js';
import type { BootHookExpectation } from '../boot-hook/state.js';
import { fileMirrors, hasMirrorsKey, MIRRORS_KEY, sameMirrors, setTopLevelKey, type DaemonJson } from './daemon-json.js';
import { applyMethod, backupPathFor, daemonJsonTarget, readDaemonJson, uneditableReason, unknownMirrorsReason, type ClientPlan } from './plan.js';

export interface RollbackSpec {
  readonly daemonJsonPath: string;
  /** Mirrors before fleet's first apply; null when the key was absent (or nothing is recorded). */
  readonly originalMirrors: readonly string[] | null;
  readonly restart: boolean;
  readonly backupSuffix: string;
  /** The inventory's boot hook: removed first (if it is fleet's), so no docker start puts the mirrors back. */
  readonly bootHook: BootHookExpectation;
}

export function planRollback(spec: RollbackSpec, facts: ClientFacts): ClientPlan {
  const json = readDaemonJson(facts);
  const refusal = uneditableReason(spec.daemonJsonPath, facts, json) ?? unknownMirrorsReason(facts);
  if (refusal !== undefined) return { kind: 'refuse', reason: refusal };
  const hook = bootHookRollbackPart(spec.bootHook, facts);
  if ('refuse' in hook) return { kind: 'refuse', reason: hook.refuse };
  const plan = planMirrorsRollback(spec, facts, json);
  if (plan.kind === 'refuse') return plan;
  if (hook.changes.length === 0) return { ...plan, warnings: hook.warnings };
  // The hook goes before daemon.json changes, so a docker start in between cannot put the mirrors back.
  const mirrorChanges = plan.kind === 'change' ? plan.changes : [];
  const verify = { mirrors: spec.originalMirrors ?? [], hook: { goal: 'removed' as const, expected: spec.bootHook } };
  return { kind: 'change', changes: [...hook.changes, ...mirrorChanges], verify, warnings: hook.warnings };
}

function planMirrorsRollback(spec: RollbackSpec, facts: ClientFacts, json: DaemonJson): ClientPlan {
  const active = facts.activeMirrors!; // known: unknownMirrorsReason found them

  const target = spec.originalMirrors;
  const expectMirrors = target ?? [];
  const fileInSync = target === null ? !hasMirrorsKey(json) : sameMirrors(fileMirrors(json) ?? ['<not a list>'], target);
  const daemonInSync = sameMirrors(active, expectMirrors);
  if (fileInSync && daemonInSync) {
    return { kind: 'in-sync', reason: target === null ? `no ${MIRRORS_KEY} in daemon.json and none active` : `${MIRRORS_KEY} is back to ${JSON.stringify(target)}` };
  }
  if (json.kind === 'absent') {
    // Nothing to edit: only the daemon still has mirrors (from a flag-less earlier state).
    return { kind: 'refuse', reason: `${spec.daemonJsonPath} does not exist but the daemon uses ${JSON.stringify(active)}; they are not fleet's to remove` };
  }

  const method = applyMethod(spec.restart, facts);
  const finalContent = setTopLevelKey(json, MIRRORS_KEY, target === null ? undefined : [...target]);
  const base = daemonJsonTarget(spec.daemonJsonPath, facts);
  const backupPath = backupPathFor(base.path, spec.backupSuffix);
  const reason = target === null ? `remove ${MIRRORS_KEY}` : `${MIRRORS_KEY} back to ${JSON.stringify(target)}`;
  const changes: Change[] = [];

  if (target === null && !daemonInSync && method !== 'systemctl-restart') {
    const clearing = setTopLevelKey(json, MIRRORS_KEY, []);
    const first: WriteFileChange = { ...base, content: clearing, before: json.text, backupPath, reason: `set ${MIRRORS_KEY} to [] so a reload drops the active mirrors` };
    // The key may go only once the daemon shows no mirror: the executor waits for that.
    changes.push(first, { kind: 'apply-docker-config', method, expectMirrors: [], reason: 'make the daemon drop its mirrors' });
    changes.push({ ...base, content: finalContent, before: clearing, reason });
  } else {
    if (!fileInSync) changes.push({ ...base, content: finalContent, before: json.text, backupPath, reason });
    if (!daemonInSync) changes.push({ kind: 'apply-docker-config', method, expectMirrors, reason: `daemon must use ${JSON.stringify(expectMirrors)}` });
  }
  return { kind: 'change', changes, verify: { mirrors: expectMirrors } };
}
