// Turn changes into host commands. Pure: unit-tested against a real /bin/sh in test/unit.
import { sh, type Command } from '../core/command.js';
import { sha256 } from '../core/hash.js';
import type { ApplyDockerConfigChange, WriteFileChange } from '../core/change.js';


/** Exit status the write command uses when the file changed under us since facts were read. */
export const EXIT_CHANGED_MEANWHILE = 3;
/** Exit status when `dockerd --validate` rejected the new file. */
export const EXIT_INVALID = 4;

/**
 * Replace a file safely: new content (from stdin) goes to a temp file in the same directory with
 * the target's mode and owner, is validated, and is renamed over the target, so the target is
 * always either the old or the new complete file. The previous content is copied to the backup
 * path first. If the file is no longer what the plan was computed from, nothing is written.
 */
export function writeFileCommand(change: WriteFileChange): Command {
  const expected = change.beforeSha ?? (change.before === undefined ? 'absent' : sha256(change.before));
  const mode = change.mode.toString(8).padStart(4, '0');
  const lines = [
    'set -e',
    sh`F=${change.path}`,
    'D=$(dirname -- "$F")',
    '[ -d "$D" ] || mkdir -p -m 0755 -- "$D"',
    'if [ -e "$F" ]; then CUR=$(sha256sum < "$F" | cut -d" " -f1); else CUR=absent; fi',
    sh`if [ "$CUR" != ${expected} ]; then echo "$F changed since it was read; not overwritten" >&2; exit ${EXIT_CHANGED_MEANWHILE}; fi`,
    'TMP=$(mktemp "$D/.$(basename -- "$F").fleet.XXXXXX")',
    `trap 'rm -f -- "$TMP"' EXIT`,
    'cat > "$TMP"',
    sh`chmod ${mode} "$TMP"`,
    sh`chown ${`${change.uid}:${change.gid}`} "$TMP"`,
  ];
  if (change.validateWithDockerd) {
    lines.push(sh`dockerd --validate --config-file "$TMP" >/dev/null 2>&1 || { echo "dockerd --validate rejected the new file" >&2; exit ${EXIT_INVALID}; }`);
  }
  if (change.backupPath !== undefined && change.before !== undefined) {
    lines.push(sh`cp -p -- "$F" ${change.backupPath}`);
  }
  lines.push('sync "$TMP" 2>/dev/null || true', 'mv -f -- "$TMP" "$F"', 'trap - EXIT');
  return { script: lines.join('\n'), stdin: change.content, label: `write ${change.path}` };
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

/** Active mirrors of the running daemon, polled until they match or the time is up. */
export function dockerMirrorsCommand(): Command {
  return { script: `docker info --format '{{json .RegistryConfig.Mirrors}}'`, label: 'read active mirrors' };
}
