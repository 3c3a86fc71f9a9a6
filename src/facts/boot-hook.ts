// The boot hook's files on a client: does the drop-in exist, does the script, their sha256, and
// the script's data lines (what it would put back), read with grep: the script is never run.
// Read-only. The files' content comes too, so a failed apply can put them back. The lines can go into another facts script (one round trip per host: the client
// facts) or run alone with bootHookFactsCommand; parseBootHookFacts reads either output.
import { quote, sh, type Command, type CommandResult } from '../core/command.js';
import { sha256 } from '../core/hash.js';
import { FACTS_PRELUDE, fromBase64, parseKeyValues } from './key-values.js';

export interface BootHookFactArgs {
  readonly scriptPath: string;
  readonly dropInPath: string;
  /** Start of the lines holding the script's data (`NAME=`): only those are read back. */
  readonly dataPrefix: string;
}

export type HookFileFact =
  | { readonly kind: 'absent' }
  /** content: the file as text, for putting it back if apply fails; undefined when it is not
   *  UTF-8 (it could not be written back byte for byte). */
  | { readonly kind: 'file'; readonly sha256: string; readonly content?: string }
  /** There, but not a regular file one can read (a directory, a dangling link, no permission). */
  | { readonly kind: 'unreadable'; readonly detail: string };

export interface BootHookFacts {
  readonly script: HookFileFact;
  /** The script's lines starting with dataPrefix, as they are (none when it is not a file). */
  readonly scriptDataLines: readonly string[];
  readonly dropIn: HookFileFact;
}

/** Shell lines emitting hook.* keys; they need FACTS_PRELUDE's `emit` and `b64` before them. */
export function bootHookFactsLines(args: BootHookFactArgs): string {
  return `
hookfile() {
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then emit "hook.$1" absent
  elif [ -f "$2" ] && [ -r "$2" ]; then emit "hook.$1" "sha256 $(sha256sum < "$2" | cut -d' ' -f1)"; emit "hook.$1.content" "$(b64 < "$2")"
  else emit "hook.$1" "unreadable $(stat -L -c %F -- "$2" 2>&1 | tr -d '\\n')"
  fi
}
hookfile script ${sh`${args.scriptPath}`}
hookfile dropin ${sh`${args.dropInPath}`}
if [ -f ${sh`${args.scriptPath}`} ]; then emit hook.data "$(grep -e ${quote(`^${args.dataPrefix}`)} -- ${sh`${args.scriptPath}`} | b64)"; fi
`;
}

export function bootHookFactsCommand(args: BootHookFactArgs): Command {
  return { script: `${FACTS_PRELUDE}\n${bootHookFactsLines(args)}\nexit 0\n`, label: 'read boot hook facts' };
}

export function parseBootHookFacts(result: CommandResult): BootHookFacts {
  if (result.exitCode !== 0) throw new Error(`reading boot hook facts failed (exit ${result.exitCode ?? result.signal}): ${result.stderr.trim()}`);
  return bootHookFactsFrom(parseKeyValues(result.stdout));
}

/** From the key=value lines of a facts script that included bootHookFactsLines. */
export function bootHookFactsFrom(kv: ReadonlyMap<string, string>): BootHookFacts {
  const data = kv.get('hook.data');
  return {
    script: fileFact(kv.get('hook.script'), kv.get('hook.script.content')),
    scriptDataLines: data ? fromBase64(data).split('\n').filter((l) => l !== '') : [],
    dropIn: fileFact(kv.get('hook.dropin'), kv.get('hook.dropin.content')),
  };
}

function fileFact(value: string | undefined, base64: string | undefined): HookFileFact {
  if (value === undefined || value === 'absent') return { kind: 'absent' };
  const sha = /^sha256 ([0-9a-f]{64})$/.exec(value);
  if (sha) {
    const content = base64 === undefined ? undefined : fromBase64(base64);
    return { kind: 'file', sha256: sha[1]!, ...(content !== undefined && sha256(content) === sha[1] ? { content } : {}) };
  }
  return { kind: 'unreadable', detail: value.replace(/^unreadable /, '') || 'cannot be read' };
}
