// The batch loop: batches one after another, hosts inside a batch in parallel (runOnHosts), and
// the hosts of later batches skipped, with the reason, once a batch breaks the fail threshold.
import type { HostOutcome } from '../core/outcome.js';
import type { Host } from '../inventory/model.js';
import type { Transport } from '../transports/transport.js';
import { judgeBatch, planBatches, type RolloutOptions } from './batches.js';
import type { Emit } from './events.js';
import { runOnHosts, skipAll, type HostWork } from './run-hosts.js';

export interface RolloutResult {
  readonly outcomes: HostOutcome[];
  /** Why later batches were not run; undefined when every batch ran. */
  readonly stopped?: string;
}

/** Run `work` on `hosts` in batches; `phase` names the hosts' group in the 'phase' events. */
export async function runInBatches(phase: string, hosts: readonly Host[], rollout: RolloutOptions, forks: number, transport: Transport, emit: Emit, work: HostWork): Promise<RolloutResult> {
  const batches = planBatches(hosts, rollout.serial);
  if (batches.length <= 1) {
    emit({ type: 'phase', name: phase, hosts: hosts.map((h) => h.name) });
    return { outcomes: await runOnHosts(hosts, forks, transport, emit, work) };
  }
  const outcomes: HostOutcome[] = [];
  for (const [index, batch] of batches.entries()) {
    const position = { index: index + 1, count: batches.length };
    emit({ type: 'phase', name: `${phase} (batch ${position.index}/${position.count})`, hosts: batch.map((h) => h.name), batch: position });
    const done = await runOnHosts(batch, forks, transport, emit, work);
    outcomes.push(...done);
    const verdict = judgeBatch(done, index, batches.length, rollout);
    if (verdict.stop) {
      const rest = batches.slice(index + 1).flat();
      const reason = verdict.reason!;
      emit({ type: 'warning', message: reason });
      emit({ type: 'phase', name: `${phase} (not attempted: rollout stopped)`, hosts: rest.map((h) => h.name) });
      outcomes.push(...skipAll(rest, `not attempted: ${reason}`, emit));
      return { outcomes, stopped: reason };
    }
  }
  return { outcomes };
}
