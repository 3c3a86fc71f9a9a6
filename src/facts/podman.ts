// The facts of a Podman host, read in one command and parsed by a pure function: Podman's
// version, its registries configuration files (the main file, every drop-in, root's own file that
// would hide the system drop-ins), the registries Podman itself resolves (`podman info`), and any
// running `podman system service` (a long-running API service keeps the configuration it read).
// Paths come in as arguments: the module owns the layout.
import type { Command, CommandResult } from '../core/command.js';
import { sh } from '../core/command.js';
import type { FileFact } from './docker-client.js';
import { fileFactCall, FILE_FACT_FUNCTION, parseFileFactAt } from './file-fact.js';
import { FACTS_PRELUDE, factsKeyValues, fromBase64 } from './key-values.js';

export interface PodmanFactArgs {
  /** The main registries.conf, e.g. /etc/containers/registries.conf. */
  readonly registriesConf: string;
  /** Its drop-in directory, e.g. /etc/containers/registries.conf.d. */
  readonly dropInDir: string;
  /** root's own registries.conf: when it exists, the system drop-ins are not read for root. */
  readonly userRegistriesConf: string;
}

export interface DropInFact {
  readonly name: string;
  readonly file: FileFact;
}

/** A registry as `podman info` shows it (only the fields fleet reads). */
export interface ResolvedRegistry {
  readonly location: string;
  readonly mirrors: readonly { readonly location: string; readonly insecure: boolean }[];
}

export interface PodmanFacts {
  /** `podman` is on the PATH. */
  readonly installed: boolean;
  /** Podman's version, when `podman info` answered. */
  readonly version?: string;
  readonly registriesConf: FileFact;
  /** `*.conf` files of the drop-in directory, in the order Podman loads them (by name). */
  readonly dropIns: readonly DropInFact[];
  readonly userRegistriesConf: FileFact;
  /** Registries by prefix, as Podman resolves them; undefined when `podman info` failed. */
  readonly resolved?: ReadonlyMap<string, ResolvedRegistry>;
  /** Why `podman info` failed (e.g. a drop-in it cannot parse). */
  readonly infoError?: string;
  /** PIDs of running `podman system service` processes. */
  readonly servicePids: readonly number[];
}

export function podmanFactsCommand(args: PodmanFactArgs): Command {
  const script = `
${FACTS_PRELUDE}
${FILE_FACT_FUNCTION}
${fileFactCall('conf', args.registriesConf)}
${fileFactCall('user', args.userRegistriesConf)}
D=${sh`${args.dropInDir}`}
N=0
for F in "$D"/*.conf; do
  [ -e "$F" ] || [ -L "$F" ] || continue
  emit "dropin.$N.name" "$(printf '%s' "\${F##*/}" | b64)"
  file_fact "dropin.$N" "$F"
  N=$((N + 1))
done
if command -v podman >/dev/null 2>&1; then
  emit podman yes
  NL='
'
  if INFO=$(podman info --format '{{.Version.Version}} {{json .Registries}}' 2>&1); then
    INFO=\${INFO##*"$NL"}  # the answer is the last line; warnings may precede it
    emit podman.version "\${INFO%% *}"; emit podman.registries "$(printf '%s' "\${INFO#* }" | b64)"
  else
    emit podman.info_error "$(printf '%s' "$INFO" | b64)"
  fi
fi
# A running API service: its comm is podman and its arguments hold "system service".
for P in $(pgrep -x podman 2>/dev/null); do
  case " $(tr '\\0' ' ' < /proc/$P/cmdline 2>/dev/null)" in *" system service"*) emit service.pid "$P" ;; esac
done
exit 0
`;
  return { script, label: 'read podman facts' };
}

export function parsePodmanFacts(result: CommandResult): PodmanFacts {
  const kv = factsKeyValues(result, 'podman facts');
  const registriesJson = kv.has('podman.registries') ? fromBase64(kv.get('podman.registries')!) : undefined;
  const resolved = registriesJson === undefined ? undefined : parseResolvedRegistries(registriesJson);
  const infoError = kv.has('podman.info_error') ? fromBase64(kv.get('podman.info_error')!).trim() || 'podman info failed' : undefined;
  return {
    installed: kv.get('podman') === 'yes',
    ...(kv.get('podman.version') ? { version: kv.get('podman.version')! } : {}),
    registriesConf: parseFileFactAt(kv, 'conf'),
    dropIns: dropInFacts(kv),
    userRegistriesConf: parseFileFactAt(kv, 'user'),
    ...(resolved !== undefined ? { resolved } : {}),
    ...(infoError !== undefined ? { infoError } : registriesJson !== undefined && resolved === undefined ? { infoError: `podman info printed unexpected registries: ${registriesJson.slice(0, 200)}` } : {}),
    servicePids: servicePids(result.stdout),
  };
}

function dropInFacts(kv: ReadonlyMap<string, string>): DropInFact[] {
  const dropIns: DropInFact[] = [];
  for (let i = 0; kv.has(`dropin.${i}.name`); i++) {
    dropIns.push({ name: fromBase64(kv.get(`dropin.${i}.name`)!), file: parseFileFactAt(kv, `dropin.${i}`) });
  }
  // The shell's glob order depends on the host's locale; Podman sorts by bytes.
  return dropIns.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every `service.pid=` line (the key repeats, so not through the key-value map). */
function servicePids(stdout: string): number[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('service.pid='))
    .map((line) => Number(line.slice('service.pid='.length)))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/**
 * `podman info --format '{{json .Registries}}'`: an object by prefix (plus `search`, the
 * unqualified-search list), e.g. `{"docker.io":{"Location":"docker.io","Mirrors":[{"Location":
 * "10.0.0.5","Insecure":true}]}}`. Undefined when it is not that shape.
 */
export function parseResolvedRegistries(json: string): ReadonlyMap<string, ResolvedRegistry> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const registries = new Map<string, ResolvedRegistry>();
  for (const [prefix, entry] of Object.entries(value as Record<string, unknown>)) {
    if (prefix === 'search') continue;
    if (entry === null || typeof entry !== 'object') return undefined;
    const { Location, Mirrors } = entry as { Location?: unknown; Mirrors?: unknown };
    const mirrors = Array.isArray(Mirrors) ? Mirrors : [];
    registries.set(prefix, {
      location: typeof Location === 'string' ? Location : '',
      mirrors: mirrors.map((m: { Location?: unknown; Insecure?: unknown }) => ({
        location: typeof m?.Location === 'string' ? m.Location : '',
        insecure: m?.Insecure === true,
      })),
    });
  }
  return registries;
}
