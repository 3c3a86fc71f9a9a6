// One file read inside a facts script, under a key: `KEY.stat` (`absent`, or `MODE UID GID TYPE`,
// following links) and `KEY.content` (base64) when it is a readable regular file.
// Docker's facts still read daemon.json their own way (file.*); they can move to this.
import { sh } from '../core/command.js';
import type { FileFact } from './docker-client.js';
import { fromBase64 } from './key-values.js';

/** Shell function for the facts script (after FACTS_PRELUDE): `file_fact KEY PATH`. */
export const FILE_FACT_FUNCTION = `file_fact() {
  if [ -e "$2" ] || [ -L "$2" ]; then
    emit "$1.stat" "$(stat -L -c '%a %u %g %F' -- "$2" 2>&1 | tr -d '\\n')"
    if [ -f "$2" ] && [ -r "$2" ]; then emit "$1.content" "$(b64 < "$2")"; fi
  else
    emit "$1.stat" absent
  fi
}`;

export function fileFactCall(key: string, path: string): string {
  return sh`file_fact ${key} ${path}`;
}

export function parseFileFactAt(kv: ReadonlyMap<string, string>, key: string): FileFact {
  const stat = kv.get(`${key}.stat`) ?? 'absent';
  if (stat === 'absent') return { exists: false };
  const match = /^([0-7]+) (\d+) (\d+) (.+)$/.exec(stat);
  if (!match) return { exists: true, problem: `cannot stat: ${stat}` };
  const [, mode, uid, gid, type] = match;
  const base = { exists: true, mode: parseInt(mode!, 8), uid: Number(uid), gid: Number(gid) };
  if (!/regular/.test(type!)) return { ...base, problem: `not a regular file (${type})` };
  const content = kv.get(`${key}.content`);
  if (content === undefined) return { ...base, problem: 'not readable (is ansible_become needed?)' };
  return { ...base, text: fromBase64(content) };
}
