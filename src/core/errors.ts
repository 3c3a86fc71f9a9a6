// Error types that the CLI's single error boundary maps to exit codes.

export interface FieldProblem {
  readonly file: string;
  /** 1-based; undefined when the problem is not tied to a line (e.g. "no clients"). */
  readonly line?: number;
  readonly column?: number;
  /** Field path, e.g. "all.children.clients.hosts.nomad-2.ansible_port". */
  readonly path: string;
  readonly message: string;
  /** The problem is only that this environment variable is unset (`{{ env.NAME }}`). */
  readonly unsetVariable?: string;
}

/** The inventory (or another input file) is invalid. Carries every problem found, not just the first. */
export class InventoryError extends Error {
  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InventoryError';
  }
}

export function formatProblem(p: FieldProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}`;
  return `${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** Bad command-line usage (unknown host pattern, conflicting flags). Exit 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The run cannot start (its journal is held by another run, or cannot be written); no host was
 *  contacted. Exit 1, with the message only. */
export class RunRefused extends Error {
  override name = 'RunRefused';
}

export type ConnectFailure =
  | 'refused'
  | 'timeout'
  | 'dns'
  | 'auth'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'jump'
  | 'other';

/** A host could not be reached: it is reported unreachable, never failed. */
export class ConnectError extends Error {
  override name = 'ConnectError';
  constructor(
    readonly host: string,
    readonly reason: ConnectFailure,
    message: string,
    /** Worth another attempt (refused, reset, handshake timeout, sshd throttling); see transports/ssh-errors.ts. */
    readonly transient = false,
  ) {
    super(message);
  }
}
