// An executable inventory, run as Ansible runs one (plugins/inventory/script.py): `FILE --list`
// prints the inventory JSON (json-source.ts); when that has no _meta.hostvars, `FILE --host NAME`
// prints each host's vars. The program runs without a shell, with fleet's environment, and may
// take SCRIPT_TIMEOUT_MS per run. A non-zero exit, a signal, the time limit, output that is not
// UTF-8 JSON: each is an inventory problem quoting the program's stderr. What it prints is data:
// {{ env.NAME }} in it is not substituted, and host names are only ever passed as arguments.
import path from 'node:path';
import { type Origin, RawBuilder, type RawSource } from './raw.js';
import { readAnsibleJson, readHostVarsJson } from './json-source.js';
import { type ProgramResult, runProgram } from './run-program.js';
import { visible } from './values.js';

export const SCRIPT_TIMEOUT_MS = 60_000;
/** `--host` runs at once, when the output has no _meta. */
const HOST_RUNS_IN_PARALLEL = 8;

/** Run with `env` (the environment the inventory is read in: fleet's own). */
export async function readScriptInventory(file: string, env: NodeJS.ProcessEnv, timeoutMs = SCRIPT_TIMEOUT_MS): Promise<RawSource> {
  // Absolute, so that a bare name is never looked up in PATH.
  const program = path.resolve(file);
  const list = await runProgram(program, ['--list'], timeoutMs, env);
  const label = `${file} --list`;
  const failure = describeFailure(list, timeoutMs);
  if (failure) return failed(file, { file, path: '' }, `inventory script ${label} ${failure}`);
  const text = decode(list.stdout);
  if (text === undefined) return failed(file, { file, path: '' }, `inventory script ${label} printed text that is not UTF-8${stderrNote(list)}`);
  const { source, hasHostvars } = readAnsibleJson(text, file, { templated: false, label });
  if (source.problems.length > 0 && list.stderr.trim()) source.problems.push({ file, path: '', message: `inventory script ${label} wrote on stderr: ${quoteOutput(list.stderr)}` });
  if (!source.complete || hasHostvars) return source;
  await eachInBatches([...source.hosts.values()].filter((h) => !h.invalid), HOST_RUNS_IN_PARALLEL, async (host) => {
    const hostLabel = `${file} --host ${host.name}`;
    const r = await runProgram(program, ['--host', host.name], timeoutMs, env);
    const hostFailure = describeFailure(r, timeoutMs);
    const hostText = hostFailure ? undefined : decode(r.stdout);
    if (hostFailure || hostText === undefined) {
      new RawBuilder(file, source).problem({ file, path: '' }, `inventory script ${hostLabel} ${hostFailure ?? `printed text that is not UTF-8${stderrNote(r)}`}`);
      return;
    }
    readHostVarsJson(source, host.name, hostText, hostLabel);
  });
  return source;
}

/** Why a run is unusable, or undefined when it exited 0. */
function describeFailure(r: ProgramResult, timeoutMs: number): string | undefined {
  if (r.spawnError) return `could not be run (${r.spawnError})`;
  if (r.timedOut) return `ran longer than ${timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`} and was stopped${stderrNote(r)}`;
  if (r.tooMuchOutput) return 'printed more output than an inventory can be and was stopped';
  if (r.signal) return `was killed by ${r.signal}${stderrNote(r)}`;
  if (r.exitCode !== 0) return `exited with status ${r.exitCode}${stderrNote(r)}`;
  return undefined;
}

function stderrNote(r: ProgramResult): string {
  return r.stderr.trim() ? `; its stderr: ${quoteOutput(r.stderr)}` : ' (nothing on stderr)';
}

/** A program's output quoted for a message: trimmed, control characters escaped (no terminal escapes). */
function quoteOutput(text: string): string {
  return visible(text.trim());
}

function decode(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function failed(file: string, at: Origin, message: string): RawSource {
  const raw = new RawBuilder(file);
  raw.problem(at, message);
  raw.source.complete = false;
  return raw.source;
}

async function eachInBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}
