// What container runtime a host has, read in one command and parsed by a pure function: which
// daemons run, which commands exist, and what `docker version` says (the podman-docker package
// makes `docker` run Podman, which then names itself). The decision is modules/runtime/detect.ts.
import type { Command, CommandResult } from '../core/command.js';
import { FACTS_PRELUDE, factsKeyValues, fromBase64 } from './key-values.js';

export interface RuntimeFacts {
  readonly dockerdInstalled: boolean;
  readonly dockerdRunning: boolean;
  /** `docker version` output (stdout and stderr), when a `docker` command exists and no dockerd runs. */
  readonly dockerVersionOutput?: string;
  readonly podmanInstalled: boolean;
  readonly containerdInstalled: boolean;
  readonly containerdRunning: boolean;
}

/** Bytes of `docker version` kept: enough for its Client and Server headings. */
const VERSION_BYTES = 4096;

export function runtimeFactsCommand(): Command {
  const script = `
${FACTS_PRELUDE}
has() { command -v "$1" >/dev/null 2>&1 && echo yes || echo no; }
emit dockerd "$(has dockerd)"
dockerd_pid=$(pidof -s dockerd 2>/dev/null || pgrep -xo dockerd 2>/dev/null)
emit dockerd.pid "$dockerd_pid"
# A running dockerd decides (modules/runtime/detect.ts), so \`docker version\` (a Go program and an
# API call, on every check of every client) is asked only when none runs: to tell Podman's wrapper.
if [ -z "$dockerd_pid" ] && command -v docker >/dev/null 2>&1; then
  emit docker.version "$(docker version 2>&1 | head -c ${VERSION_BYTES} | b64)"
fi
emit podman "$(has podman)"
emit containerd "$(has containerd)"
emit containerd.pid "$(pidof -s containerd 2>/dev/null || pgrep -xo containerd 2>/dev/null)"
exit 0
`;
  return { script, label: 'detect the container runtime' };
}

export function parseRuntimeFacts(result: CommandResult): RuntimeFacts {
  const kv = factsKeyValues(result, 'runtime facts');
  return {
    dockerdInstalled: kv.get('dockerd') === 'yes',
    dockerdRunning: /^\d+$/.test(kv.get('dockerd.pid') ?? ''),
    ...(kv.has('docker.version') ? { dockerVersionOutput: fromBase64(kv.get('docker.version')!) } : {}),
    podmanInstalled: kv.get('podman') === 'yes',
    containerdInstalled: kv.get('containerd') === 'yes',
    containerdRunning: /^\d+$/.test(kv.get('containerd.pid') ?? ''),
  };
}
