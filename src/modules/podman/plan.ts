// Desired state of a Podman client: Podman pulls Docker Hub images through `mirrors`, in order,
// from fleet's drop-in in registries.conf.d. Pure: facts in, a plan out.
//
// The Podman CLI reads its configuration at every command: nothing to reload. A running
// `podman system service` (the API a Nomad docker driver may talk to) keeps what it read when it
// started; Podman >= 2.1 re-reads registries.conf on SIGHUP, so it is sent one.
import { sh } from '../../core/command.js';
import type { ExecChange, Change } from '../../core/change.js';
import { mirrorAddress } from '../../core/mirror-url.js';
import type { ModulePlan } from '../../core/plan.js';
import type { FileFact } from '../../facts/docker-client.js';
import type { PodmanFacts } from '../../facts/podman.js';
import {
  describePodmanMirrors, dockerHubConfig, FLEET_DROP_IN, FLEET_DROP_IN_PATH, fleetDropInMirrors, PODMAN_PATHS,
  podmanMirror, renderDropIn, samePodmanMirrors, type PodmanMirror,
} from './registries-conf.js';

export interface PodmanSpec {
  /** Mirror URLs, in the order Podman must try them. */
  readonly mirrors: readonly string[];
}

/** After the changes, `podman info` must show exactly these Docker Hub mirrors. */
export interface PodmanVerify {
  readonly mirrors: readonly PodmanMirror[];
}

export type PodmanPlan = ModulePlan<PodmanVerify>;

export function planPodman(spec: PodmanSpec, facts: PodmanFacts): PodmanPlan {
  let wanted: PodmanMirror[];
  try {
    wanted = spec.mirrors.map((url) => podmanMirror(mirrorAddress(url)));
  } catch (err) {
    return { kind: 'refuse', reason: (err as Error).message };
  }
  const unusable = hostRefusal(facts);
  if (unusable) return { kind: 'refuse', reason: unusable };
  const conflict = conflictRefusal(facts);
  if (conflict) return { kind: 'refuse', ...conflict };

  const current = fleetDropIn(facts)?.file;
  if (current?.problem) return { kind: 'refuse', reason: `${FLEET_DROP_IN_PATH} is ${current.problem}; left untouched` };
  const content = renderDropIn(wanted);
  const active = activeDockerHubMirrors(facts);
  if (current?.text === content) {
    if (active !== undefined && samePodmanMirrors(active, wanted)) {
      return { kind: 'in-sync', reason: `Docker Hub mirrors are ${describePodmanMirrors(wanted)} in ${FLEET_DROP_IN_PATH} and in podman info`, notes: [] };
    }
    return { kind: 'refuse', conflict: true, reason: `${FLEET_DROP_IN_PATH} is in place but podman info shows Docker Hub mirrors ${active ? describePodmanMirrors(active) : `unknown (${facts.infoError})`}: something else overrides it` };
  }
  const changes: Change[] = [{
    kind: 'write-file',
    path: FLEET_DROP_IN_PATH,
    content,
    ...(current?.text !== undefined ? { before: current.text } : {}),
    mode: current?.mode ?? 0o644,
    uid: current?.uid ?? 0,
    gid: current?.gid ?? 0,
    reason: current?.text === undefined ? `Docker Hub mirrors ${describePodmanMirrors(wanted)}` : `Docker Hub mirrors ${describePodmanMirrors(fleetDropInMirrors(current.text) ?? [])} -> ${describePodmanMirrors(wanted)}`,
  }];
  const service = serviceReload(facts);
  return { kind: 'change', changes: [...changes, ...service.changes], verify: { mirrors: wanted }, notes: service.notes };
}

/** Rollback: fleet's drop-in goes, if it is still exactly what fleet wrote. */
export function planPodmanRollback(facts: PodmanFacts): PodmanPlan {
  if (!facts.installed) return { kind: 'refuse', reason: 'podman is not installed on this host' };
  const current = fleetDropIn(facts)?.file;
  if (current === undefined) return { kind: 'in-sync', reason: `no ${FLEET_DROP_IN_PATH}`, notes: [] };
  if (current.text === undefined) return { kind: 'refuse', reason: `${FLEET_DROP_IN_PATH} is ${current.problem}; left in place` };
  if (fleetDropInMirrors(current.text) === undefined) {
    return { kind: 'refuse', reason: `${FLEET_DROP_IN_PATH} was changed since fleet wrote it; left in place (remove it by hand)` };
  }
  const service = serviceReload(facts);
  return {
    kind: 'change',
    changes: [{ kind: 'remove-file', path: FLEET_DROP_IN_PATH, expectedContent: current.text, reason: 'remove fleet\'s Docker Hub mirrors' }, ...service.changes],
    verify: { mirrors: [] },
    notes: service.notes,
  };
}

/** Whether the host shows what the plan meant: undefined when it does, else the difference. */
export function verifyPodman(facts: PodmanFacts, verify: PodmanVerify): string | undefined {
  const active = activeDockerHubMirrors(facts);
  if (active === undefined) return `cannot read Podman's registries: ${facts.infoError ?? 'podman info gave no answer'}`;
  if (samePodmanMirrors(active, verify.mirrors)) return undefined;
  return `podman info shows Docker Hub mirrors ${describePodmanMirrors(active)}, expected ${describePodmanMirrors(verify.mirrors)}`;
}

function fleetDropIn(facts: PodmanFacts) {
  return facts.dropIns.find((d) => d.name === FLEET_DROP_IN);
}

/** Docker Hub's mirrors as Podman resolves them ([] when docker.io has no entry). */
function activeDockerHubMirrors(facts: PodmanFacts): readonly PodmanMirror[] | undefined {
  return facts.resolved === undefined ? undefined : facts.resolved.get('docker.io')?.mirrors ?? [];
}

function hostRefusal(facts: PodmanFacts): string | undefined {
  if (!facts.installed) return 'podman is not installed on this host';
  if (facts.userRegistriesConf.exists) {
    return `${PODMAN_PATHS.userRegistriesConf} exists: Podman run by root reads it instead of ${PODMAN_PATHS.registriesConf} and its drop-ins; move its settings there first`;
  }
  // A broken configuration elsewhere makes every podman command fail: fleet's file could not be
  // verified. Only a broken fleet drop-in is fleet's to fix.
  if (facts.infoError !== undefined && !facts.infoError.includes(FLEET_DROP_IN_PATH)) return `podman info fails: ${facts.infoError}`;
  return undefined;
}

/**
 * Another file that already decides Docker Hub pulls: fleet's entry would replace it silently
 * (`conflict`); or a file that cannot be read to tell.
 */
function conflictRefusal(facts: PodmanFacts): { reason: string; conflict?: true } | undefined {
  const files: Array<{ path: string; file: FileFact }> = [
    { path: PODMAN_PATHS.registriesConf, file: facts.registriesConf },
    ...facts.dropIns.filter((d) => d.name !== FLEET_DROP_IN).map((d) => ({ path: `${PODMAN_PATHS.dropInDir}/${d.name}`, file: d.file })),
  ];
  for (const { path, file } of files) {
    if (!file.exists) continue;
    if (file.text === undefined) return { reason: `${path} is ${file.problem}; cannot tell whether it configures Docker Hub` };
    const config = dockerHubConfig(file.text);
    if (config.kind === 'invalid') return { reason: `${path} is ${config.error}; fix it first` };
    if (config.kind === 'v1') return { reason: `${path} uses the version 1 format ([registries.*] tables); drop-ins need version 2: convert it first` };
    const entry = config.entries[0];
    if (entry !== undefined) {
      const what = entry.mirrors.length > 0 ? `Docker Hub mirrors ${describePodmanMirrors(entry.mirrors)}` : 'a registry entry without mirrors';
      return { reason: `${path} already configures ${entry.prefix} (${what}); fleet's ${FLEET_DROP_IN} would override it. Remove that entry (or let fleet manage the mirrors) first`, conflict: true };
    }
  }
  return undefined;
}

/** A running `podman system service` keeps its configuration until SIGHUP (Podman >= 2.1). */
function serviceReload(facts: PodmanFacts): { changes: ExecChange[]; notes: string[] } {
  if (facts.servicePids.length === 0) return { changes: [], notes: [] };
  const pids = facts.servicePids.join(', ');
  if (!reloadsOnSighup(facts.version)) {
    return { changes: [], notes: [`podman system service (pid ${pids}) runs Podman ${facts.version ?? '(unknown version)'}, which does not re-read registries.conf on SIGHUP: restart it to use the mirrors`] };
  }
  return {
    changes: facts.servicePids.map((pid) => ({
      kind: 'exec',
      label: `reload podman system service (pid ${pid})`,
      // Still that service? A pid can be reused between facts and now.
      script: [
        sh`P=${pid}`,
        `case " $(tr '\\0' ' ' < /proc/$P/cmdline 2>/dev/null)" in`,
        `  *" system service"*) kill -HUP "$P" ;;`,
        `  *) echo "podman system service (pid $P) is no longer running; nothing to reload" >&2 ;;`,
        'esac',
      ].join('\n'),
      reason: 'a running podman system service re-reads registries.conf on SIGHUP',
    })),
    notes: [`podman system service (pid ${pids}) is told to re-read registries.conf (SIGHUP)`],
  };
}

/** Podman 2.1 added the SIGHUP reload of registries.conf to `podman system service`. */
export function reloadsOnSighup(version: string | undefined): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 2 || (major === 2 && minor >= 1);
}
