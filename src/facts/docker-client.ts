// The facts of a Docker client host, read in ONE command (one round trip per host) and parsed by a
// pure function. The script prints `key=value` lines; anything that may hold arbitrary bytes
// (file content, dockerd's argv) is base64-encoded so parsing never depends on what is in it.
// Every process it starts costs the host 1-2 ms of CPU, most of a run's cost after sshd's own at
// fleet scale: values that are usually empty (mirror flags) skip base64.
import { sh, type Command, type CommandResult } from '../core/command.js';
import { canonicalMirror } from '../core/mirror-url.js';
import { bootHookFactsFrom, bootHookFactsLines, type BootHookFactArgs, type BootHookFacts } from './boot-hook.js';
import { parseProbe, probeCall, PROBE_FUNCTION, type MirrorProbe } from './http-probe.js';
import { FACTS_PRELUDE, fromBase64, parseKeyValues } from './key-values.js';

export type { MirrorProbe } from './http-probe.js';

export interface FileFact {
  readonly exists: boolean;
  /** Content when the file exists and was readable. */
  readonly text?: string;
  /** Octal permission bits, e.g. 0o644. */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Why the file could not be read (exists but unreadable, not a regular file...). */
  readonly problem?: string;
  /** When the path is a symbolic link: the file it leads to (all links resolved), which is what
   *  gets edited, so the link stays a link and its target is never left stale. */
  readonly linkTarget?: string;
}

export interface ClientFacts {
  readonly daemonJson: FileFact;
  readonly dockerd: {
    readonly running: boolean;
    readonly pid?: number;
    /** argv of the running dockerd (from /proc/PID/cmdline). */
    readonly args: readonly string[];
    /** Server version from `docker info`, when the daemon answered. */
    readonly version?: string;
  };
  /** Mirrors the running daemon uses (`docker info`), without trailing slashes; undefined if unknown. */
  readonly activeMirrors?: readonly string[];
  readonly dockerInfoError?: string;
  readonly hasSystemctl: boolean;
  /** `systemctl is-active docker` output ("active", "inactive", ...), when systemctl exists. */
  readonly dockerUnitState?: string;
  /** Places outside daemon.json that set registry mirrors as a dockerd flag. */
  readonly mirrorFlagSources: readonly string[];
  readonly probes: readonly MirrorProbe[];
  /** The boot hook's files (docker.service drop-in and merge script). */
  readonly bootHook: BootHookFacts;
}

export interface ClientFactArgs {
  readonly daemonJsonPath: string;
  /** Mirrors to probe with GET /v2/ from the host itself. */
  readonly probeMirrors: readonly string[];
  /** Where the boot hook lives; read in the same command (one round trip per host). */
  readonly bootHook: BootHookFactArgs;
}

export function clientFactsCommand(args: ClientFactArgs): Command {
  const probes = args.probeMirrors
    .map((url, i) => probeCall(String(i), `${canonicalMirror(url)}/v2/`))
    .join('\n');
  const script = `
F=${sh`${args.daemonJsonPath}`}
${FACTS_PRELUDE}
if [ -e "$F" ] || [ -L "$F" ]; then
  [ ! -L "$F" ] || emit file.link "$(readlink -f -- "$F" | b64)"
  emit file.stat "$(stat -L -c '%a %u %g %F' -- "$F" 2>&1 | tr -d '\\n')"
  if [ -f "$F" ] && [ -r "$F" ]; then emit file.content "$(b64 < "$F")"; fi
else
  emit file.stat absent
fi
PID=$(pidof -s dockerd 2>/dev/null || pgrep -xo dockerd 2>/dev/null)
emit dockerd.pid "$PID"
if [ -n "$PID" ]; then emit dockerd.args "$(b64 < /proc/$PID/cmdline)"; fi
if command -v docker >/dev/null 2>&1; then
  NL='
'
  # One docker CLI call for both: each call costs a host ~20 ms of CPU (measured on Docker 20.10).
  if INFO=$(docker info --format '{{.ServerVersion}} {{json .RegistryConfig.Mirrors}}' 2>&1); then
    INFO=\${INFO##*"$NL"}  # the answer is the last line; a warning on stderr may precede it
    emit docker.version "\${INFO%% *}"; emit docker.mirrors "\${INFO#* }"
  else
    emit docker.info_error "$(printf '%s' "$INFO" | b64)"
  fi
else
  emit docker.info_error "$(printf 'docker command not found' | b64)"
fi
if command -v systemctl >/dev/null 2>&1; then
  emit systemctl yes
  emit unit.state "$(systemctl is-active docker 2>/dev/null)"
  U=$(systemctl cat docker.service 2>/dev/null | grep -E -- '--registry-mirror')
  [ -z "$U" ] || emit unit.flags "$(printf '%s\\n' "$U" | b64)"
fi
D=$(grep -sHE -- '--registry-mirror' /etc/default/docker /etc/sysconfig/docker)
[ -z "$D" ] || emit default.flags "$(printf '%s\\n' "$D" | b64)"
${bootHookFactsLines(args.bootHook)}
${PROBE_FUNCTION}
${probes}
exit 0
`;
  return { script, label: 'read facts' };
}

export function parseClientFacts(result: CommandResult, args: ClientFactArgs): ClientFacts {
  if (result.exitCode !== 0) {
    throw new Error(`reading facts failed (exit ${result.exitCode ?? result.signal}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  const kv = parseKeyValues(result.stdout);
  const pid = kv.get('dockerd.pid') ? Number(kv.get('dockerd.pid')) : undefined;
  const version = kv.get('docker.version') || undefined;
  const mirrorsJson = kv.get('docker.mirrors');
  const infoError = kv.has('docker.info_error') ? fromBase64(kv.get('docker.info_error')!).trim() : undefined;
  // /proc/PID/cmdline as is: arguments separated by NUL.
  const dockerdArgs = kv.has('dockerd.args') ? fromBase64(kv.get('dockerd.args')!).split('\0').filter((a) => a !== '') : [];
  return {
    daemonJson: parseFileFact(kv),
    dockerd: {
      running: pid !== undefined && Number.isInteger(pid),
      ...(pid !== undefined ? { pid } : {}),
      args: dockerdArgs,
      ...(version ? { version } : {}),
    },
    ...(mirrorsJson !== undefined ? { activeMirrors: parseActiveMirrors(mirrorsJson) } : {}),
    ...(infoError !== undefined ? { dockerInfoError: infoError || 'docker info failed' } : {}),
    hasSystemctl: kv.get('systemctl') === 'yes',
    ...(kv.has('unit.state') ? { dockerUnitState: kv.get('unit.state')! } : {}),
    mirrorFlagSources: mirrorFlagSources(kv, dockerdArgs, pid),
    probes: args.probeMirrors.map((url, i) => parseProbe(url, kv.get(`probe.${i}`))),
    bootHook: bootHookFactsFrom(kv),
  };
}

function parseFileFact(kv: Map<string, string>): FileFact {
  const stat = kv.get('file.stat') ?? 'absent';
  if (stat === 'absent') return { exists: false };
  const match = /^([0-7]+) (\d+) (\d+) (.+)$/.exec(stat);
  if (!match) return { exists: true, problem: `cannot stat: ${stat}` };
  const [, mode, uid, gid, type] = match;
  const link = kv.has('file.link') ? fromBase64(kv.get('file.link')!).replace(/\n$/, '') : undefined;
  const base = { exists: true, mode: parseInt(mode!, 8), uid: Number(uid), gid: Number(gid), ...(link ? { linkTarget: link } : {}) };
  if (!/regular/.test(type!)) return { ...base, problem: `not a regular file (${type})` };
  if (!kv.has('file.content')) return { ...base, problem: 'not readable (is ansible_become needed?)' };
  return { ...base, text: fromBase64(kv.get('file.content')!) };
}

/** `docker info` prints `["http://a/"]`, `[]` or (newer engines) `null`. */
export function parseActiveMirrors(json: string): readonly string[] | undefined {
  try {
    const value: unknown = JSON.parse(json);
    if (value === null) return [];
    if (Array.isArray(value) && value.every((m) => typeof m === 'string')) {
      return value.map(canonicalMirror);
    }
  } catch {
    /* fall through */
  }
  return undefined;
}

function mirrorFlagSources(kv: Map<string, string>, args: readonly string[], pid: number | undefined): string[] {
  const sources: string[] = [];
  const flagArgs = args.filter((a) => a.startsWith('--registry-mirror'));
  if (flagArgs.length > 0) sources.push(`running dockerd (pid ${pid}) has ${flagArgs.join(' ')}`);
  const unit = kv.get('unit.flags');
  if (unit) sources.push(`docker.service unit: ${fromBase64(unit).trim().split('\n').join(' | ')}`);
  const defaults = kv.get('default.flags');
  if (defaults) sources.push(fromBase64(defaults).trim().split('\n').join(' | '));
  return sources;
}
