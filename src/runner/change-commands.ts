// Turn changes into host commands. Pure: unit-tested against a real /bin/sh in test/unit.
import { basename, dirname } from 'node:path/posix';
import { byteLength, sh, type Command } from '../core/command.js';
import { sha256 } from '../core/hash.js';
import type { ApplyDockerConfigChange, WriteFileChange } from '../core/change.js';

/** Exit status the write command uses when the file changed under us since facts were read. */
export const EXIT_CHANGED_MEANWHILE = 3;
/** Exit status when `dockerd --validate` rejected the new file. */
export const EXIT_INVALID = 4;
/** Exit status when the bytes that arrived on stdin are not the content sent (a cut connection). */
export const EXIT_NOT_RECEIVED = 5;
/** Exit status when writing would go through a path that someone else could have prepared. */
export const EXIT_UNSAFE_PATH = 6;

/**
 * Replace a file safely: the new content (from stdin) goes to a temp file in the same directory,
 * is checked against its sha256 (a cut connection changes nothing), gets the target's mode and
 * owner, is validated, and is renamed over the target, so the target is always either the old or
 * the new complete file. The previous file becomes the backup (a hard link, so content, mode and
 * owner are kept). If the file is no longer what the plan was computed from, nothing is written.
 *
 * No path that another user could prepare is ever followed: the script works inside the target's
 * directory by relative names, refuses a directory that others may write to, creates the temp file
 * and the backup exclusively, and never changes mode or owner through a symbolic link.
 */
export function writeFileCommand(change: WriteFileChange): Command {
  const expected = change.beforeSha ?? (change.before === undefined ? 'absent' : sha256(change.before));
  const mode = change.mode.toString(8).padStart(4, '0');
  const lines = [
    'set -e',
    sh`F=${change.path}`,
    'D=$(dirname -- "$F"); B=$(basename -- "$F")',
    '[ -d "$D" ] || mkdir -p -m 0755 -- "$D"',
    // From here on every name is relative to the directory itself (the working directory), so a
    // path swapped above it is never followed.
    'cd -P -- "$D"',
    'S=$(stat -c "%u %a" .); O=${S% *}; P=${S#* }',
    sh`if [ "$O" != 0 ] && [ "$O" != "$(id -u)" ]; then echo "$D belongs to uid $O, not to root or to this user: fleet does not write there (connect as that user)" >&2; exit ${EXIT_UNSAFE_PATH}; fi`,
    sh`if [ $((0$P & 022)) -ne 0 ] && [ $((0$P & 01000)) -eq 0 ]; then echo "$D is writable by its group or by others (mode $P) and not sticky: fleet does not write there" >&2; exit ${EXIT_UNSAFE_PATH}; fi`,
    sh`if [ -L "$B" ]; then echo "$F is a symbolic link; not replaced" >&2; exit ${EXIT_CHANGED_MEANWHILE}; fi`,
    'if [ -e "$B" ]; then CUR=$(sha256sum < "$B" | cut -d" " -f1); else CUR=absent; fi',
    sh`if [ "$CUR" != ${expected} ]; then echo "$F changed since it was read; not overwritten" >&2; exit ${EXIT_CHANGED_MEANWHILE}; fi`,
    'T=$(mktemp ".$B.fleet.XXXXXX")',
    `trap 'rm -f -- "$T"' EXIT`,
    'cat > "$T"',
    sh`if [ -L "$T" ] || [ ! -f "$T" ]; then echo "temp file $D/$T was replaced while it was written: $F not changed" >&2; exit ${EXIT_UNSAFE_PATH}; fi`,
    sh`if [ "$(sha256sum < "$T" | cut -d" " -f1)" != ${sha256(change.content)} ]; then echo "received $(wc -c < "$T") bytes, not the ${byteLength(change.content)} sent: $F not changed" >&2; exit ${EXIT_NOT_RECEIVED}; fi`,
    sh`chmod ${mode} "$T"`,
    sh`chown -h ${`${change.uid}:${change.gid}`} "$T"`,
  ];
  if (change.validateWithDockerd) {
    lines.push(sh`dockerd --validate --config-file "$T" >/dev/null 2>&1 || { echo "dockerd --validate rejected the new file" >&2; exit ${EXIT_INVALID}; }`);
  }
  const backup = backupName(change);
  if (backup !== undefined) {
    lines.push(
      sh`K=${backup}`,
      sh`if [ -e "$K" ] || [ -L "$K" ]; then echo "backup $D/$K already exists; nothing changed" >&2; exit ${EXIT_UNSAFE_PATH}; fi`,
      // A hard link is made exclusively and never follows a link at $K; where the file system has
      // none, an exclusive (noclobber) copy.
      'ln -- "$B" "$K" 2>/dev/null || (umask 077; set -C; cat -- "$B" > "$K")',
    );
  }
  lines.push('sync "$T" 2>/dev/null || true', 'mv -f -- "$T" "$B"', 'trap - EXIT');
  return { script: lines.join('\n'), stdin: change.content, label: `write ${change.path}` };
}

/** The backup's name in the target's directory (the script works there), when one is wanted. */
function backupName(change: WriteFileChange): string | undefined {
  if (change.backupPath === undefined || change.before === undefined) return undefined;
  if (dirname(change.backupPath) !== dirname(change.path)) throw new Error(`backup ${change.backupPath} must be in the directory of ${change.path}`);
  return basename(change.backupPath);
}

/** Remove a file only if it still holds what the plan expected (used to restore "absent"). */
export function removeFileCommand(path: string, expectedContent: string): Command {
  return {
    script: [
      sh`F=${path}`,
      'if [ ! -e "$F" ]; then exit 0; fi',
      sh`if [ "$(sha256sum < "$F" | cut -d" " -f1)" != ${sha256(expectedContent)} ]; then echo "$F changed since it was written; not removed" >&2; exit ${EXIT_CHANGED_MEANWHILE}; fi`,
      'rm -f -- "$F"',
    ].join('\n'),
    label: `remove ${path}`,
  };
}

export function applyDockerConfigCommand(change: ApplyDockerConfigChange): Command {
  switch (change.method) {
    case 'systemctl-reload':
      return { script: 'systemctl reload docker', label: 'reload docker' };
    case 'systemctl-restart':
      return {
        script: 'command -v systemctl >/dev/null 2>&1 || { echo "no systemctl on this host: cannot restart docker" >&2; exit 1; }\nsystemctl restart docker',
        label: 'restart docker',
      };
    case 'sighup':
      return {
        script: 'PID=$(pidof -s dockerd 2>/dev/null || pgrep -xo dockerd 2>/dev/null) || { echo "dockerd is not running" >&2; exit 1; }\nkill -HUP "$PID"',
        label: 'reload dockerd (SIGHUP)',
      };
  }
}

export function restartUnitCommand(unit: string): Command {
  return {
    script: sh`command -v systemctl >/dev/null 2>&1 || { echo "no systemctl on this host: cannot restart "${unit} >&2; exit 1; }
systemctl restart ${unit}`,
    label: `restart ${unit}`,
  };
}

/** Active mirrors of the running daemon, polled until they match or the time is up. */
export function dockerMirrorsCommand(): Command {
  return { script: `docker info --format '{{json .RegistryConfig.Mirrors}}'`, label: 'read active mirrors' };
}
