// The wire format of every facts command: the script prints `key=value` lines, base64-encoding
// anything that may hold arbitrary bytes, so parsing never depends on what a file contains.
import type { CommandResult } from '../core/command.js';

/** Shell functions every facts script starts with. `base64 -w 0` (GNU, busybox) saves a process
 * per value; a base64 without -w rejects the option before reading its input, so the fallback
 * still gets all of it. */
export const FACTS_PRELUDE = `b64() { base64 -w 0 2>/dev/null || base64 | tr -d '\\n'; }
emit() { printf '%s=%s\\n' "$1" "$2"; }`;

/** The key-value lines of a facts command that succeeded; throws naming `what` otherwise. */
export function factsKeyValues(result: CommandResult, what: string): Map<string, string> {
  if (result.exitCode !== 0) {
    throw new Error(`reading ${what} failed (exit ${result.exitCode ?? result.signal}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return parseKeyValues(result.stdout);
}

export function parseKeyValues(stdout: string): Map<string, string> {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return kv;
}

export function fromBase64(value: string): string {
  return Buffer.from(value, 'base64').toString('utf8');
}
