// Changes as data: what must happen on a host, and why. Plans produce them (pure); the runner
// turns them into commands. A change never carries a secret in clear: a file content that holds
// secrets is a `Secret` up to the transport that writes it, so reporters show `***` and the
// journal refuses it.
import type { Secret } from './command.js';

export interface WriteFileChange {
  readonly kind: 'write-file';
  readonly path: string;
  /** A `Secret` when the content holds secrets: never printed, diffed or journaled. */
  readonly content: string | Secret;
  /** Content before, undefined when the file does not exist yet. */
  readonly before?: string;
  /** sha256 of the content before, when only the hash was read (secret files); 'absent' if none. */
  readonly beforeSha?: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Where the previous content is copied on the host before the file is replaced. */
  readonly backupPath?: string;
  /** Validate the new file with `dockerd --validate` before it replaces the old one. */
  readonly validateWithDockerd?: boolean;
  readonly reason: string;
}

export type DockerApplyMethod = 'systemctl-reload' | 'sighup' | 'systemctl-restart';

export interface ApplyDockerConfigChange {
  readonly kind: 'apply-docker-config';
  readonly method: DockerApplyMethod;
  /**
   * Mirrors the running daemon shows once it has re-read its configuration. `systemctl reload`
   * only sends SIGHUP and returns, so the next step waits until `docker info` shows these (a
   * step that depends on the daemon having re-read the file must not race it). Undefined when
   * nothing can be told from the daemon (a reload ignores a file without the key).
   */
  readonly expectMirrors?: readonly string[];
  readonly reason: string;
}

/** Anything else, as a command; the script never holds a secret (those go on stdin). */
export interface ExecChange {
  readonly kind: 'exec';
  readonly script: string;
  readonly label: string;
  readonly reason: string;
}

/** Remove a file only if it still holds `expectedContent` (fleet's own file, unchanged). */
export interface RemoveFileChange {
  readonly kind: 'remove-file';
  readonly path: string;
  readonly expectedContent: string;
  readonly reason: string;
}

/** Restart a systemd unit: for a service that has no reload (containerd exits on SIGHUP). */
export interface RestartUnitChange {
  readonly kind: 'restart-unit';
  readonly unit: string;
  /** Answers (exit 0) once the service serves again; the executor polls it after the restart. */
  readonly ready: { readonly script: string; readonly label: string };
  readonly reason: string;
}

/** Every kind of change a plan may hold; the executor carries out each (its switch is exhaustive). */
export type Change = WriteFileChange | ApplyDockerConfigChange | ExecChange | RemoveFileChange | RestartUnitChange;

/** One-line summary of a change, for reporters. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'remove-file':
      return `remove ${change.path}: ${change.reason}`;
    case 'restart-unit':
      return `restart ${change.unit} (systemctl restart ${change.unit}): ${change.reason}`;
    case 'write-file':
      return `write ${change.path}: ${change.reason}`;
    case 'apply-docker-config':
      return `${METHOD_LABEL[change.method]}: ${change.reason}`;
    case 'exec':
      return `${change.label}: ${change.reason}`;
  }
}

const METHOD_LABEL: Record<DockerApplyMethod, string> = {
  'systemctl-reload': 'reload docker (systemctl reload docker)',
  sighup: 'reload dockerd (SIGHUP)',
  'systemctl-restart': 'restart docker (systemctl restart docker)',
};
