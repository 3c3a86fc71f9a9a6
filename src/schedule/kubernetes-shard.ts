// The command of a pod of an Indexed Job: fleet with `--shard I+1/K`, I from JOB_COMPLETION_INDEX
// (set by Kubernetes, 0-based). Kubernetes has no arithmetic in command lines, so a fixed sh
// script (the image's /bin/sh) computes it; fleet's own arguments are passed to it as "$@",
// never spliced into the script, so no value needs shell quoting.
import { escapeExpansion } from './escape.js';

const SCRIPT = (shards: number) =>
  [
    'case "${JOB_COMPLETION_INDEX:-}" in',
    `  ''|*[!0-9]*) echo "fleet: JOB_COMPLETION_INDEX is not a shard index (not a pod of an Indexed Job?)" >&2; exit 1 ;;`,
    'esac',
    `exec "$@" --shard "$((JOB_COMPLETION_INDEX + 1))/${shards}"`,
  ].join('\n');

/** `command` and `args` of the container; `argv` are fleet's words after the binary. */
export function shardCommand(argv: readonly string[], shards: number): { command: string[]; args: string[] } {
  if (!Number.isInteger(shards) || shards < 2) throw new Error(`shardCommand: ${shards} shards`);
  return {
    // $0 names the script in sh's own messages.
    command: ['/bin/sh', '-c', SCRIPT(shards), 'fleet-shard'].map(escapeExpansion),
    args: ['fleet', ...argv].map(escapeExpansion),
  };
}
