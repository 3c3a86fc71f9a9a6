// A host's commands, run over its one connection, as root through `sudo -n` when the inventory
// asks for become. Success is decided by exit status; stdout is kept raw.
import { withBecome, type Command, type CommandResult } from '../core/command.js';
import type { Connection, ExecOptions } from '../transports/transport.js';

export class CommandFailed extends Error {
  override name = 'CommandFailed';
  constructor(
    readonly label: string,
    readonly result: CommandResult,
  ) {
    super(`${label} failed (${result.exitCode === null ? `signal ${result.signal ?? 'unknown'}` : `exit ${result.exitCode}`})${summarise(result.stderr)}`);
  }
}

function summarise(stderr: string): string {
  const text = stderr.trim().split('\n').slice(-3).join(' | ');
  if (/sudo: a (terminal|password) is required/.test(text)) return ': sudo needs a password; fleet uses `sudo -n`, so allow NOPASSWD for this user';
  return text ? `: ${text}` : '';
}

export class HostShell {
  constructor(
    private readonly connection: Connection,
    private readonly become: boolean,
  ) {}

  /** Run and return the result whatever the exit status. */
  run(command: Command, options?: ExecOptions): Promise<CommandResult> {
    return this.connection.exec({ ...command, script: withBecome(command.script, this.become) }, options);
  }

  /** Run and throw CommandFailed unless the exit status is 0. */
  async runOrThrow(command: Command, options?: ExecOptions): Promise<CommandResult> {
    const result = await this.run(command, options);
    if (result.exitCode !== 0) throw new CommandFailed(command.label ?? 'command', result);
    return result;
  }
}
