// Which runtime module configures a client, decided from what the host runs (detectRuntime), with
// the host's `container_runtime` as override; never from the host's name. The first facts round
// trip reads the runtime probe together with the facts of the runtime expected (the override, else
// Docker), so a Docker client still costs one round trip; another runtime's facts are read next.
import type { CommandResult } from '../core/command.js';
import type { ConvergeModule } from '../core/module.js';
import { converge, type ConvergeHooks, type ConvergeOptions, type PartialOutcome } from './converge.js';
import type { Emit } from './events.js';
import { combinedFactsCommand, factsPart } from '../facts/combined.js';
import { parseRuntimeFacts, runtimeFactsCommand } from '../facts/runtime.js';
import type { Host } from '../inventory/model.js';
import { detectRuntime, type Runtime } from '../modules/runtime/detect.js';
import type { HostShell } from './host-shell.js';
import type { Journal } from './journal.js';

/** What a runtime brings to converge or check: its module and what the caller adds around it. */
export interface RuntimeJob<F = unknown, V = unknown> {
  readonly module: ConvergeModule<F, V>;
  readonly hooks?: ConvergeHooks<F>;
  /** Shown once this runtime is the one picked. */
  readonly warnings?: readonly string[];
}

/** A job whose hooks are typed by its module's facts. */
export function runtimeJob<F, V>(module: ConvergeModule<F, V>, hooks?: ConvergeHooks<F>, warnings?: readonly string[]): RuntimeJob {
  return { module, ...(hooks ? { hooks } : {}), ...(warnings ? { warnings } : {}) } as RuntimeJob;
}

export type RuntimeJobs<J extends RuntimeJob> = { readonly [R in Runtime]: () => J };

export type Detected<J extends RuntimeJob> =
  | { readonly runtime: Runtime; readonly reason: string; readonly job: J; readonly facts?: CommandResult }
  | { readonly runtime: 'none'; readonly reason: string };

/**
 * Read the runtime probe (and the expected runtime's facts, in the same round trip) and pick the
 * job. `override` is the host's `container_runtime` (validated with the inventory). `facts` is the
 * chosen module's facts command result, when it was read in that round trip.
 */
export async function detectClientRuntime<J extends RuntimeJob>(shell: HostShell, jobs: RuntimeJobs<J>, override?: Runtime): Promise<Detected<J>> {
  const expected = override ?? 'docker';
  const first = jobs[expected]();
  const result = await shell.run(combinedFactsCommand({ runtime: runtimeFactsCommand(), [expected]: first.module.factsCommand() }));
  const detection = detectRuntime(parseRuntimeFacts(factsPart(result, 'runtime')), override);
  if (detection.runtime === 'none') return detection;
  if (detection.runtime !== expected) return { ...detection, job: jobs[detection.runtime]() };
  return { ...detection, job: first, facts: factsPart(result, expected) };
}

/** A client converged by the module of its runtime; the outcome names the runtime. */
export async function convergeClient<J extends RuntimeJob>(host: Host, jobs: RuntimeJobs<J>, shell: HostShell, options: ConvergeOptions & { readonly bootHook: boolean; readonly runtime?: Runtime }, emit: Emit, journal?: Journal): Promise<PartialOutcome> {
  const detected = await detectClientRuntime(shell, jobs, options.runtime);
  if (detected.runtime === 'none') return { status: 'failed', message: detected.reason, changes: [] };
  const { runtime, job } = detected;
  emit({ type: 'host-step', host: host.name, step: `container runtime: ${runtime} (${detected.reason})` });
  const notes = [...(job.warnings ?? []), ...(options.bootHook && runtime !== 'docker' ? [bootHookNotNeeded(runtime)] : [])];
  for (const message of notes) emit({ type: 'warning', host: host.name, message });
  const outcome = await converge(host.name, job.module, shell, options, emit, { ...job.hooks, journal, ...(detected.facts ? { facts: detected.facts } : {}) });
  return { ...outcome, runtime };
}

/** The boot hook exists because CircleCI's startup script rewrites daemon.json; nothing rewrites the others' files. */
function bootHookNotNeeded(runtime: Runtime): string {
  return `mirror_boot_hook is not needed with ${runtime}: the hook puts daemon.json's mirrors back when a startup script rewrites it, and no startup script rewrites ${runtime === 'podman' ? 'registries.conf.d' : 'certs.d'}; no hook installed`;
}
