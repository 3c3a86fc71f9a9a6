// Desired state of a containerd client: Docker Hub pulls try `mirrors` in order, from fleet's
// certs.d/docker.io/hosts.toml, and containerd's CRI reads certs.d (config_path in config.toml).
// Pure: facts in, a plan out.
//
// hosts.toml is read at every pull: writing it needs nothing else. config.toml is read only at
// start, and containerd exits on SIGHUP (it has no reload), so a config.toml change needs a
// restart: planned only when the operator asked for restarts, refused otherwise. Restarting
// containerd leaves running containers alone (their shims keep them), but stops pulls in flight.
import type { Change } from '../../core/change.js';
import { mirrorAddress, type MirrorAddress } from '../../core/mirror-url.js';
import type { ModulePlan } from '../../core/plan.js';
import type { ContainerdFacts } from '../../facts/containerd.js';
import { configPathEdit, hasConfigPath } from './config-toml.js';
import { CERTS_DIR, CONFIG_TOML_PATH, fleetHostsMirrors, HOSTS_TOML_PATH, renderHostsToml } from './hosts-toml.js';

export interface ContainerdSpec {
  /** Mirror URLs, in the order containerd must try them. */
  readonly mirrors: readonly string[];
  /** The operator allows restarting containerd (needed when config.toml changes). */
  readonly restart: boolean;
  /** Suffix for the on-host backup of the previous config.toml, unique per run. */
  readonly backupSuffix: string;
}

/** What the host must show afterwards (facts read again). */
export interface ContainerdVerify {
  /** hosts.toml content; null: no hosts.toml. */
  readonly hostsToml: string | null;
  /** config.toml must make the CRI read certs.d. */
  readonly configPath: boolean;
  /** containerd was restarted: it must run, under another pid than this one. */
  readonly restartedFrom?: number;
}

export type ContainerdPlan = ModulePlan<ContainerdVerify>;

/** containerd serves again once `ctr version` gets an answer from it over its socket. */
export const CONTAINERD_READY = { script: 'ctr --address /run/containerd/containerd.sock version >/dev/null', label: 'containerd answers (ctr version)' } as const;

const ROLLBACK_NOTE = `config_path stays in ${CONFIG_TOML_PATH}: removing it needs a containerd restart, and a certs.d without docker.io/hosts.toml changes nothing`;

export function planContainerd(spec: ContainerdSpec, facts: ContainerdFacts): ContainerdPlan {
  let addresses: MirrorAddress[];
  try {
    addresses = spec.mirrors.map(mirrorAddress);
  } catch (err) {
    return { kind: 'refuse', reason: (err as Error).message };
  }
  const refusal = hostRefusal(facts);
  if (refusal) return { kind: 'refuse', reason: refusal };
  const hosts = facts.hostsToml;
  if (hosts.problem) return { kind: 'refuse', reason: `${HOSTS_TOML_PATH} is ${hosts.problem}; left untouched` };
  if (hosts.text !== undefined && fleetHostsMirrors(hosts.text, mirrorAddress) === undefined) {
    return { kind: 'refuse', conflict: true, reason: `${HOSTS_TOML_PATH} exists and was not written by fleet; fleet would replace its settings. Remove it (or move its hosts into fleet's mirrors) first` };
  }
  const config = facts.configToml;
  if (config.problem) return { kind: 'refuse', reason: `${CONFIG_TOML_PATH} is ${config.problem}; left untouched` };
  const edit = configPathEdit(config.text, CERTS_DIR, majorVersion(facts.version), CONFIG_TOML_PATH);
  if (edit.kind === 'refuse') return { kind: 'refuse', reason: edit.reason };
  if (edit.kind === 'edit' && !spec.restart) {
    return { kind: 'refuse', reason: `${CONFIG_TOML_PATH} needs the CRI registry config_path "${CERTS_DIR}" (${edit.reason}), which containerd reads only when it starts; it exits on SIGHUP, so this needs a restart: run again with --restart (running containers keep running)` };
  }
  if (edit.kind === 'edit' && !facts.hasSystemctl) return { kind: 'refuse', reason: `${CONFIG_TOML_PATH} needs config_path "${CERTS_DIR}" and a containerd restart, but this host has no systemctl` };

  const content = renderHostsToml(addresses);
  const changes: Change[] = [];
  if (hosts.text !== content) {
    changes.push({
      kind: 'write-file',
      path: HOSTS_TOML_PATH,
      content,
      ...(hosts.text !== undefined ? { before: hosts.text } : {}),
      mode: hosts.mode ?? 0o644,
      uid: hosts.uid ?? 0,
      gid: hosts.gid ?? 0,
      reason: `Docker Hub mirrors ${JSON.stringify(addresses.map((a) => a.url))}`,
    });
  }
  if (edit.kind === 'edit') {
    changes.push(
      {
        kind: 'write-file',
        path: CONFIG_TOML_PATH,
        content: edit.text,
        ...(config.text !== undefined ? { before: config.text, backupPath: `${CONFIG_TOML_PATH}.fleet-backup-${spec.backupSuffix}` } : {}),
        mode: config.mode ?? 0o644,
        uid: config.uid ?? 0,
        gid: config.gid ?? 0,
        reason: edit.reason,
      },
      { kind: 'restart-unit', unit: 'containerd', ready: CONTAINERD_READY, reason: 'containerd reads config.toml only when it starts (and exits on SIGHUP)' },
    );
  }
  if (changes.length === 0) {
    return { kind: 'in-sync', reason: `${HOSTS_TOML_PATH} has Docker Hub mirrors ${JSON.stringify(addresses.map((a) => a.url))} and config.toml reads ${CERTS_DIR}`, notes: [] };
  }
  return {
    kind: 'change',
    changes,
    verify: { hostsToml: content, configPath: true, ...(edit.kind === 'edit' ? { restartedFrom: facts.pid! } : {}) },
    notes: [],
  };
}

/** Rollback: fleet's hosts.toml goes (no restart: it is read at every pull); config_path stays. */
export function planContainerdRollback(facts: ContainerdFacts): ContainerdPlan {
  if (!facts.installed) return { kind: 'refuse', reason: 'containerd is not installed on this host' };
  const hosts = facts.hostsToml;
  if (!hosts.exists) return { kind: 'in-sync', reason: `no ${HOSTS_TOML_PATH}`, notes: [ROLLBACK_NOTE] };
  if (hosts.text === undefined) return { kind: 'refuse', reason: `${HOSTS_TOML_PATH} is ${hosts.problem}; left in place` };
  if (fleetHostsMirrors(hosts.text, mirrorAddress) === undefined) {
    return { kind: 'refuse', reason: `${HOSTS_TOML_PATH} was changed since fleet wrote it; left in place (remove it by hand)` };
  }
  return {
    kind: 'change',
    changes: [{ kind: 'remove-file', path: HOSTS_TOML_PATH, expectedContent: hosts.text, reason: 'remove fleet\'s Docker Hub mirrors (read at every pull: no restart)' }],
    verify: { hostsToml: null, configPath: hasConfigPath(facts.configToml.text, CERTS_DIR) },
    notes: [ROLLBACK_NOTE],
  };
}

/** Whether the host shows what the plan meant: undefined when it does, else the difference. */
export function verifyContainerd(facts: ContainerdFacts, verify: ContainerdVerify): string | undefined {
  const hosts = facts.hostsToml.text ?? null;
  if (hosts !== verify.hostsToml) {
    return verify.hostsToml === null ? `${HOSTS_TOML_PATH} is still there` : `${HOSTS_TOML_PATH} does not hold what was written`;
  }
  if (verify.configPath && !hasConfigPath(facts.configToml.text, CERTS_DIR)) return `${CONFIG_TOML_PATH} does not set config_path "${CERTS_DIR}"`;
  if (facts.pid === undefined) return 'containerd is not running';
  if (verify.restartedFrom !== undefined && facts.pid === verify.restartedFrom) return `containerd still runs as pid ${facts.pid}: it was not restarted`;
  return undefined;
}

function hostRefusal(facts: ContainerdFacts): string | undefined {
  if (!facts.installed) return 'containerd is not installed on this host';
  if (facts.pid === undefined) return 'containerd is not running on this host';
  return undefined;
}

function majorVersion(version: string | undefined): number {
  return Number(/^(\d+)\./.exec(version ?? '')?.[1] ?? 1);
}
