// Run a script with the machine's real /bin/sh (dash on Debian), as a host would.
import { spawnSync } from 'node:child_process';
import { Secret, type Command, type CommandResult } from '../../src/core/command.js';

export function runSh(command: Command, env: NodeJS.ProcessEnv = process.env): CommandResult {
  const r = spawnSync('/bin/sh', ['-c', command.script], { input: command.stdin instanceof Secret ? command.stdin.reveal() : command.stdin ?? '', encoding: 'utf8', env });
  return { exitCode: r.status, ...(r.signal ? { signal: r.signal } : {}), stdout: r.stdout, stderr: r.stderr };
}
