// The facts of a cache host, read in one command and parsed by a pure function. Nothing read
// here carries a secret: the env file is only hashed on the host, the container's env never read.
import { sh, type Command, type CommandResult } from '../core/command.js';
import { parseProbe, probeCall, PROBE_FUNCTION, type MirrorProbe } from './http-probe.js';
import { FACTS_PRELUDE, fromBase64, parseKeyValues } from './key-values.js';
import { CONTAINER_NAME, ENV_FILE, FIREWALL_CHAIN, FIREWALL_SCRIPT, FIREWALL_UNIT, FIREWALL_UNIT_PATH, SPEC_LABEL } from '../modules/registry-cache/spec.js';

export interface ContainerFact {
  readonly id: string;
  readonly status: string;
  readonly image: string;
  readonly specLabel: string;
  readonly restartPolicy: string;
  /** Host port bound to the container's 5000/tcp, if any. */
  readonly hostPort?: number;
}

export interface CacheFacts {
  readonly dockerVersion?: string;
  readonly dockerError?: string;
  readonly imagePresent: boolean;
  readonly container?: ContainerFact;
  /** sha256 of the env file, or undefined when absent. */
  readonly envFileSha?: string;
  readonly envFileMode?: number;
  readonly firewallScriptSha?: string;
  readonly firewallUnitSha?: string;
  readonly unitEnabled: boolean;
  readonly hasSystemctl: boolean;
  readonly bridge: string;
  readonly iptables?: string;
  readonly dockerUserChain: boolean;
  /** `iptables -S FLEET-MIRROR` lines, undefined when the chain does not exist. */
  readonly chainRules?: readonly string[];
  /** `iptables -S DOCKER-USER` lines. */
  readonly dockerUserRules: readonly string[];
  readonly firewalldActive: boolean;
  readonly dataDirExists: boolean;
  /** Use% of the filesystem holding the cache data. */
  readonly dataDiskUsePercent?: number;
  /** GET /v2/ of the registry on the host itself, when asked for. */
  readonly registryProbe?: MirrorProbe;
}

/** `probeUrl`: also GET this URL from the host itself (the registry's /v2/ on loopback). */
export function cacheFactsCommand(image: string, dataDir: string, probeUrl?: string): Command {
  const script = `
${FACTS_PRELUDE}
shaof() { if [ -f "$1" ]; then sha256sum < "$1" | cut -d' ' -f1; fi; }
if V=$(docker version --format '{{.Server.Version}}' 2>&1); then emit docker.version "$V"; else emit docker.error "$(printf '%s' "$V" | b64)"; fi
docker image inspect ${sh`${image}`} >/dev/null 2>&1 && emit image.present yes
emit container "$(docker inspect --format '{{.Id}}|{{.State.Status}}|{{.Config.Image}}|{{index .Config.Labels "${SPEC_LABEL}"}}|{{.HostConfig.RestartPolicy.Name}}|{{range $p, $b := .HostConfig.PortBindings}}{{if eq $p "5000/tcp"}}{{range $b}}{{.HostPort}}{{end}}{{end}}{{end}}' ${CONTAINER_NAME} 2>/dev/null)"
emit bridge "$(docker network inspect bridge --format '{{index .Options "com.docker.network.bridge.name"}}' 2>/dev/null)"
emit env.sha "$(shaof ${ENV_FILE})"
emit env.mode "$(stat -c %a ${ENV_FILE} 2>/dev/null)"
emit script.sha "$(shaof ${FIREWALL_SCRIPT})"
emit unit.sha "$(shaof ${FIREWALL_UNIT_PATH})"
if command -v systemctl >/dev/null 2>&1; then
  emit systemctl yes
  systemctl is-enabled ${FIREWALL_UNIT} >/dev/null 2>&1 && emit unit.enabled yes
  systemctl is-active firewalld >/dev/null 2>&1 && emit firewalld yes
fi
[ -L /etc/systemd/system/docker.service.wants/${FIREWALL_UNIT} ] && emit unit.enabled yes
if command -v iptables >/dev/null 2>&1; then
  emit iptables "$(iptables --version 2>&1)"
  if R=$(iptables -w -S DOCKER-USER 2>/dev/null); then emit dockeruser.rules "$(printf '%s' "$R" | b64)"; fi
  if R=$(iptables -w -S ${FIREWALL_CHAIN} 2>/dev/null); then emit chain.rules "$(printf '%s' "$R" | b64)"; fi
fi
[ -d ${sh`${dataDir}`} ] && emit data.exists yes
emit data.use "$(df -P ${sh`${dataDir}`} 2>/dev/null | awk 'NR==2 {print $5}' | tr -d %)"
${probeUrl ? `${PROBE_FUNCTION}\n${probeCall('registry', probeUrl)}` : ''}
exit 0
`;
  return { script, label: 'read cache facts' };
}

export function parseCacheFacts(result: CommandResult, probeUrl?: string): CacheFacts {
  if (result.exitCode !== 0) throw new Error(`reading facts failed (exit ${result.exitCode ?? result.signal}): ${result.stderr.trim()}`);
  const kv = parseKeyValues(result.stdout);
  const lines = (key: string) => (kv.has(key) ? fromBase64(kv.get(key)!).split('\n').filter((l) => l !== '') : undefined);
  const text = (key: string) => kv.get(key) || undefined;
  const container = parseContainer(kv.get('container') ?? '');
  const dataUse = Number(kv.get('data.use'));
  return {
    ...(text('docker.version') ? { dockerVersion: text('docker.version')! } : {}),
    ...(kv.has('docker.error') ? { dockerError: fromBase64(kv.get('docker.error')!).trim() || 'docker is not answering' } : {}),
    imagePresent: kv.get('image.present') === 'yes',
    ...(container ? { container } : {}),
    ...(text('env.sha') ? { envFileSha: text('env.sha')! } : {}),
    ...(text('env.mode') ? { envFileMode: parseInt(text('env.mode')!, 8) } : {}),
    ...(text('script.sha') ? { firewallScriptSha: text('script.sha')! } : {}),
    ...(text('unit.sha') ? { firewallUnitSha: text('unit.sha')! } : {}),
    unitEnabled: kv.get('unit.enabled') === 'yes',
    hasSystemctl: kv.get('systemctl') === 'yes',
    bridge: text('bridge') ?? 'docker0',
    ...(text('iptables') ? { iptables: text('iptables')! } : {}),
    dockerUserChain: kv.has('dockeruser.rules'),
    ...(kv.has('chain.rules') ? { chainRules: lines('chain.rules')! } : {}),
    dockerUserRules: lines('dockeruser.rules') ?? [],
    firewalldActive: kv.get('firewalld') === 'yes',
    dataDirExists: kv.get('data.exists') === 'yes',
    ...(kv.get('data.use') && Number.isFinite(dataUse) ? { dataDiskUsePercent: dataUse } : {}),
    ...(probeUrl ? { registryProbe: parseProbe(probeUrl, kv.get('probe.registry')) } : {}),
  };
}

function parseContainer(raw: string): ContainerFact | undefined {
  const [id, status, image, specLabel, restartPolicy, hostPort] = raw.split('|');
  if (!id) return undefined;
  return {
    id,
    status: status ?? '',
    image: image ?? '',
    specLabel: specLabel === '<no value>' ? '' : (specLabel ?? ''),
    restartPolicy: restartPolicy ?? '',
    ...(hostPort ? { hostPort: Number(hostPort) } : {}),
  };
}
