// The facts of a cache host, read in one command and parsed by a pure function. No secret is read
// here: the registry config is only hashed on the host (a keyed hash: see registry-config.ts), the
// container's config is never read. Host text is only ever parsed, never run.
import { sh, type Command, type CommandResult } from '../core/command.js';
import { cacheMetricsScript, parseCacheMetrics, type CacheStatsRead } from './cache-metrics.js';
import { parseProbe, probeCall, PROBE_FUNCTION, type MirrorProbe } from './http-probe.js';
import { FACTS_PRELUDE, fromBase64, parseKeyValues } from './key-values.js';
import {
  CONFIG_KEY_SED, CONTAINER_NAME, DOCKER_DROPIN, FIREWALL_CHAIN, FIREWALL_SCRIPT, isConfigKey, LEGACY_ENV_FILE, LEGACY_UNIT_LINK, LEGACY_UNIT_PATH,
  LOADED_DOCKER_DROPINS, MARKER_NAME, REGISTRY_CONFIG, SPEC_LABEL, type DataDirFacts, type DataDirState,
} from './cache-layout.js';

export interface PortBinding {
  /** "" when published on every address (IPv4 and, with the userland proxy, IPv6). */
  readonly ip: string;
  readonly port: number;
}

export interface ContainerFact {
  readonly id: string;
  readonly status: string;
  readonly image: string;
  readonly specLabel: string;
  readonly restartPolicy: string;
  /** Host bindings of the container's 5000/tcp. */
  readonly ports: readonly PortBinding[];
}

export interface CacheFacts {
  readonly dockerVersion?: string;
  readonly dockerError?: string;
  readonly imagePresent: boolean;
  readonly container?: ContainerFact;
  /** sha256 of the registry config file, undefined when absent. */
  readonly configSha?: string;
  readonly configMode?: number;
  /** The config file's own key (its first line), when it has a valid one. */
  readonly configKey?: string;
  /** The env file of older versions of fleet (it holds the credentials) is still there. */
  readonly legacyEnvFile: boolean;
  readonly firewallScriptSha?: string;
  readonly dropInSha?: string;
  /** systemd has loaded fleet's docker.service drop-in (it runs at the next docker start). */
  readonly dropInLoaded: boolean;
  /** The unit older versions of fleet installed is still there (file or WantedBy link). */
  readonly legacyUnit: boolean;
  readonly hasSystemctl: boolean;
  readonly bridge: string;
  readonly iptables?: string;
  readonly dockerUserChain: boolean;
  /** `iptables -S FLEET-MIRROR` lines, undefined when the chain does not exist. */
  readonly chainRules?: readonly string[];
  /** The rules of DOCKER-USER, one `iptables -S DOCKER-USER N` each (a rule may span lines). */
  readonly dockerUserRules: readonly string[];
  readonly firewalldActive: boolean;
  readonly dataDir: DataDirFacts;
  /** Use% of the filesystem holding the cache data. */
  readonly dataDiskUsePercent?: number;
  /** GET /v2/ of the registry on the host itself, when asked for. */
  readonly registryProbe?: MirrorProbe;
  /** The registry's proxy counters, when asked for (fleet check). */
  readonly cacheStats?: CacheStatsRead;
}

/** Rules of DOCKER-USER read at most: a bound on the loop, far above any real chain. */
const MAX_RULES = 500;

/** `probeUrl`: also GET this URL from the host itself (the registry's /v2/ on loopback);
 *  `readMetrics`: also read the registry's proxy counters (see cache-metrics.ts). */
export function cacheFactsCommand(image: string, dataDir: string, probeUrl?: string, readMetrics = false): Command {
  const script = `
${FACTS_PRELUDE}
shaof() { if [ -f "$1" ]; then sha256sum < "$1" | cut -d' ' -f1; fi; }
if V=$(docker version --format '{{.Server.Version}}' 2>&1); then emit docker.version "$V"; else emit docker.error "$(printf '%s' "$V" | b64)"; fi
docker image inspect ${sh`${image}`} >/dev/null 2>&1 && emit image.present yes
emit container "$(docker inspect --format '{{.Id}}|{{.State.Status}}|{{.Config.Image}}|{{index .Config.Labels "${SPEC_LABEL}"}}|{{.HostConfig.RestartPolicy.Name}}|{{range $p, $b := .HostConfig.PortBindings}}{{if eq $p "5000/tcp"}}{{range $b}}{{.HostIp}}/{{.HostPort}},{{end}}{{end}}{{end}}' ${CONTAINER_NAME} 2>/dev/null)"
emit bridge "$(docker network inspect bridge --format '{{index .Options "com.docker.network.bridge.name"}}' 2>/dev/null | b64)"
emit config.sha "$(shaof ${REGISTRY_CONFIG})"
emit config.mode "$(stat -c %a ${REGISTRY_CONFIG} 2>/dev/null)"
emit config.key "$(sed -n '${CONFIG_KEY_SED}' ${REGISTRY_CONFIG} 2>/dev/null)"
[ -e ${LEGACY_ENV_FILE} ] && emit legacy.env yes
emit script.sha "$(shaof ${FIREWALL_SCRIPT})"
emit dropin.sha "$(shaof ${DOCKER_DROPIN})"
if [ -e ${LEGACY_UNIT_PATH} ] || [ -L ${LEGACY_UNIT_LINK} ]; then emit legacy.unit yes; fi
if command -v systemctl >/dev/null 2>&1; then
  emit systemctl yes
  case " $(${LOADED_DOCKER_DROPINS}) " in *" ${DOCKER_DROPIN} "*) emit dropin.loaded yes ;; esac
  systemctl is-active firewalld >/dev/null 2>&1 && emit firewalld yes
fi
if command -v iptables >/dev/null 2>&1; then
  emit iptables "$(iptables --version 2>&1)"
  if iptables -w -n -L DOCKER-USER >/dev/null 2>&1; then
    emit dockeruser yes
    n=1
    while [ "$n" -le ${MAX_RULES} ] && R=$(iptables -w -S DOCKER-USER "$n" 2>/dev/null) && [ -n "$R" ]; do
      emit "dockeruser.rule.$n" "$(printf '%s' "$R" | b64)"; n=$((n + 1))
    done
  fi
  if R=$(iptables -w -S ${FIREWALL_CHAIN} 2>/dev/null); then emit chain.rules "$(printf '%s' "$R" | b64)"; fi
fi
${dataDirFacts(dataDir)}
emit data.use "$(df -P ${sh`${dataDir}`} 2>/dev/null | awk 'NR==2 {print $5}' | tr -d %)"
${probeUrl ? `${PROBE_FUNCTION}\n${probeCall('registry', probeUrl)}` : ''}
${readMetrics ? cacheMetricsScript() : ''}
exit 0
`;
  return { script, label: 'read cache facts' };
}

/** The data dir's state (see DataDirState) and its marker, without following a symlink. */
function dataDirFacts(dataDir: string): string {
  const only = (dir: string, ...allowed: string[]) =>
    `[ -z "$(find ${dir} -mindepth 1 -maxdepth 1 ${allowed.join(' ')} -print 2>/dev/null | head -n 1)" ]`;
  return `D=${sh`${dataDir}`}
M="$D/${MARKER_NAME}"
if [ -L "$D" ]; then emit data.state symlink
elif [ ! -e "$D" ]; then emit data.state absent
elif [ ! -d "$D" ]; then emit data.state not-dir
else
  if [ -f "$M" ] && [ ! -L "$M" ]; then emit data.marker "$(head -c 4096 "$M" | b64)"; fi
  if ${only('"$D"', `! -name ${MARKER_NAME}`)}; then emit data.state empty
  elif ${only('"$D"', `! -name ${MARKER_NAME}`, "! \\( -name docker -type d \\)")} && ${only('"$D/docker"', "! \\( -name registry -type d \\)")}; then emit data.state registry
  else emit data.state other
  fi
fi`;
}

const DATA_STATES: readonly DataDirState[] = ['absent', 'empty', 'registry', 'other', 'symlink', 'not-dir'];

export function parseCacheFacts(result: CommandResult, probeUrl?: string, readMetrics = false): CacheFacts {
  if (result.exitCode !== 0) throw new Error(`reading facts failed (exit ${result.exitCode ?? result.signal}): ${result.stderr.trim()}`);
  const kv = parseKeyValues(result.stdout);
  const text = (key: string) => kv.get(key) || undefined;
  const decoded = (key: string) => (kv.has(key) ? fromBase64(kv.get(key)!) : undefined);
  const container = parseContainer(kv.get('container') ?? '');
  const dataUse = Number(kv.get('data.use'));
  const dataState = DATA_STATES.find((s) => s === kv.get('data.state')) ?? 'other';
  const marker = decoded('data.marker');
  const key = text('config.key');
  return {
    ...(text('docker.version') ? { dockerVersion: text('docker.version')! } : {}),
    ...(kv.has('docker.error') ? { dockerError: decoded('docker.error')!.trim() || 'docker is not answering' } : {}),
    imagePresent: kv.get('image.present') === 'yes',
    ...(container ? { container } : {}),
    ...(text('config.sha') ? { configSha: text('config.sha')! } : {}),
    ...(text('config.mode') ? { configMode: parseInt(text('config.mode')!, 8) } : {}),
    ...(isConfigKey(key) ? { configKey: key } : {}),
    legacyEnvFile: kv.get('legacy.env') === 'yes',
    ...(text('script.sha') ? { firewallScriptSha: text('script.sha')! } : {}),
    ...(text('dropin.sha') ? { dropInSha: text('dropin.sha')! } : {}),
    dropInLoaded: kv.get('dropin.loaded') === 'yes',
    legacyUnit: kv.get('legacy.unit') === 'yes',
    hasSystemctl: kv.get('systemctl') === 'yes',
    bridge: decoded('bridge')?.trim() || 'docker0',
    ...(text('iptables') ? { iptables: text('iptables')! } : {}),
    dockerUserChain: kv.get('dockeruser') === 'yes',
    ...(kv.has('chain.rules') ? { chainRules: decoded('chain.rules')!.split('\n').filter((l) => l !== '') } : {}),
    dockerUserRules: numbered(kv, 'dockeruser.rule.').map(fromBase64),
    firewalldActive: kv.get('firewalld') === 'yes',
    dataDir: { state: dataState, ...(marker !== undefined ? { marker } : {}) },
    ...(kv.get('data.use') && Number.isFinite(dataUse) ? { dataDiskUsePercent: dataUse } : {}),
    ...(probeUrl ? { registryProbe: parseProbe(probeUrl, kv.get('probe.registry')) } : {}),
    ...(readMetrics ? { cacheStats: parseCacheMetrics(kv) } : {}),
  };
}

/** Values of PREFIX1, PREFIX2, ... in order, up to the first missing one. */
function numbered(kv: ReadonlyMap<string, string>, prefix: string): string[] {
  const values: string[] = [];
  for (let n = 1; kv.has(`${prefix}${n}`); n++) values.push(kv.get(`${prefix}${n}`)!);
  return values;
}

function parseContainer(raw: string): ContainerFact | undefined {
  const [id, status, image, specLabel, restartPolicy, bindings] = raw.split('|');
  if (!id) return undefined;
  return {
    id,
    status: status ?? '',
    image: image ?? '',
    specLabel: specLabel === '<no value>' ? '' : (specLabel ?? ''),
    restartPolicy: restartPolicy ?? '',
    ports: (bindings ?? '').split(',').filter(Boolean).map((b) => {
      const [ip, port] = b.split('/');
      return { ip: ip ?? '', port: Number(port) };
    }),
  };
}
