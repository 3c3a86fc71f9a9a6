import type { Command, CommandResult } from '../core/command.js';

/** Where and how to reach one host over SSH (already resolved from the inventory). */
export interface SshTarget {
  /** Inventory name, used in messages. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** Absolute path of a private key file, if any (ansible_ssh_private_key_file, ~ expanded). */
  readonly privateKeyFile?: string;
  /** Jump host (bastion), from fleet_jump_host: user@host[:port]. */
  readonly jump?: { readonly user: string; readonly address: string; readonly port: number };
}

export interface ExecOptions {
  /** Kill the command and reject after this long. */
  readonly timeoutMs?: number;
}

/** One open connection to a host, reused for every command of a run. */
export interface Connection {
  exec(command: Command, options?: ExecOptions): Promise<CommandResult>;
  close(): Promise<void>;
}

export interface Transport {
  /** Rejects with ConnectError (core/errors.ts) when the host cannot be reached or is refused. */
  connect(target: SshTarget): Promise<Connection>;
  /** Close anything shared (jump connections). */
  dispose(): Promise<void>;
}
