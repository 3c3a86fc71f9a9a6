// Commands as data. A command is a POSIX sh script (run by /bin/sh, which may be dash) plus
// optional stdin. Secrets travel only on stdin, never in the script: the script ends up in
// process arguments on the host (`sh -c ...`) and in logs.

/** A value that must never be printed. `String(secret)` and JSON give `***`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '***';
  }
  toJSON(): string {
    return '***';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret(***)';
  }
}

export interface Command {
  /** POSIX sh script; every interpolated value must go through `quote`. */
  readonly script: string;
  /** Bytes written to the command's stdin, then stdin is closed. A secret stays a `Secret` up to
   *  the transport, the one place that reveals it, to write it there. */
  readonly stdin?: string | Secret;
  /** Short human label for logs ("read facts", "write daemon.json"). */
  readonly label?: string;
}

export interface CommandResult {
  /** Exit status; null when the command was killed by a signal or the channel closed early. */
  readonly exitCode: number | null;
  /** Signal name when killed by one, else undefined. */
  readonly signal?: string;
  /** Raw stdout, never trimmed. */
  readonly stdout: string;
  /** Raw stderr, never trimmed. Not a failure signal by itself: decide by exitCode. */
  readonly stderr: string;
}

/** UTF-8 byte length of a value that may be a secret (a length reveals nothing worth hiding here). */
export function byteLength(value: string | Secret): number {
  return Buffer.byteLength(value instanceof Secret ? value.reveal() : value);
}

/** Quote one argument for POSIX sh: single quotes, with embedded ' as '\''. */
export function quote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Tagged template that quotes every interpolated value: sh`cat ${path}`. */
export function sh(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += quote(String(value)) + (strings[i + 1] ?? '');
  });
  return out;
}

/** Wrap a script so it runs as root through `sudo -n` (never prompts) when `become` is set. */
export function withBecome(script: string, become: boolean): string {
  return become ? `sudo -n -- sh -c ${quote(script)}` : script;
}
