// Running an inventory program (an executable inventory) safely: argv only, never a shell; a
// time limit after which the program and everything it started are killed; bounded output.

import { spawn } from 'node:child_process';

export interface ProgramResult {
  /** Exit status, or undefined when the program did not exit by itself (signal, time limit, spawn failure). */
  readonly exitCode?: number;
  readonly signal?: string;
  readonly timedOut: boolean;
  /** The program could not be started (ENOENT, EACCES, ...). */
  readonly spawnError?: string;
  readonly stdout: Buffer;
  /** The last MAX_STDERR bytes of stderr, decoded. */
  readonly stderr: string;
  /** stdout exceeded MAX_STDOUT bytes and the program was stopped. */
  readonly tooMuchOutput: boolean;
}

export const MAX_STDOUT = 64 * 1024 * 1024;
const MAX_STDERR = 16 * 1024;

export function runProgram(file: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv): Promise<ProgramResult> {
  return new Promise((resolve) => {
    // Its own process group, so that a time limit also stops what it started (aws, gcloud, ...).
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false, env });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = Buffer.alloc(0);
    let timedOut = false;
    let tooMuchOutput = false;
    let done = false;
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    // Its own process group does not get the terminal's Ctrl-C: stop it when fleet exits.
    process.once('exit', killGroup);
    const finish = (result: Omit<ProgramResult, 'stdout' | 'stderr' | 'timedOut' | 'tooMuchOutput'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      process.off('exit', killGroup);
      resolve({ ...result, stdout: Buffer.concat(out), stderr: stderr.toString('utf8'), timedOut, tooMuchOutput });
    };
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_STDOUT) {
        tooMuchOutput = true;
        killGroup();
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > MAX_STDERR) stderr = stderr.subarray(stderr.length - MAX_STDERR);
    });
    child.on('error', (err: NodeJS.ErrnoException) => finish({ spawnError: err.code ?? err.message }));
    child.on('close', (code, signal) => finish({ ...(code !== null ? { exitCode: code } : {}), ...(signal ? { signal } : {}) }));
  });
}
