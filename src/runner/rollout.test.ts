import { describe, expect, it } from 'vitest';
import { ConnectError } from '../core/errors.js';
import type { Host } from '../inventory/model.js';
import type { Transport } from '../transports/transport.js';
import { parseSerial, type RolloutOptions } from './batches.js';
import type { RunEvent } from './events.js';
import { runInBatches } from './rollout.js';
import type { PartialOutcome } from './converge.js';

const host = (name: string): Host => ({ name, groups: ['all', 'clients'], vars: {}, become: false, ssh: { name, address: name, port: 22, user: 'root' } });
const HOSTS = ['c1', 'c2', 'c3', 'c4', 'c5'].map(host);

/** Connects to every host except those named unreachable; commands are never run. */
function fakeTransport(unreachable: readonly string[] = []): Transport {
  return {
    async connect(target) {
      if (unreachable.includes(target.name)) throw new ConnectError(target.name, 'refused', `connection refused by ${target.name}`);
      return { exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }), close: async () => undefined };
    },
    async dispose() {},
  };
}

async function rollout(options: RolloutOptions, failing: readonly string[], unreachable: readonly string[] = []) {
  const events: RunEvent[] = [];
  const worked: string[] = [];
  const result = await runInBatches('clients', HOSTS, options, 10, fakeTransport(unreachable), (e) => events.push(e), async (h): Promise<PartialOutcome> => {
    worked.push(h.name);
    return failing.includes(h.name) ? { status: 'failed', message: 'reload failed', changes: [] } : { status: 'changed', message: 'ok', changes: [] };
  });
  const phases = events.flatMap((e) => (e.type === 'phase' ? [`${e.name}: ${e.hosts.join(',')}`] : []));
  const status = Object.fromEntries(result.outcomes.map((o) => [o.host, o.status]));
  return { result, events, worked, phases, status };
}

describe('runInBatches', () => {
  it('without --serial runs one phase with every host, as before', async () => {
    const { phases, worked, result } = await rollout({ serial: [] }, ['c1']);
    expect(phases).toEqual(['clients: c1,c2,c3,c4,c5']);
    expect(worked.sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(result.stopped).toBeUndefined();
  });

  it('runs batches in order, one phase event per batch', async () => {
    const { phases, result } = await rollout({ serial: parseSerial('1,2') }, []);
    expect(phases).toEqual(['clients (batch 1/3): c1', 'clients (batch 2/3): c2,c3', 'clients (batch 3/3): c4,c5']);
    expect(result.outcomes.map((o) => o.host)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('stops after a failed canary: later hosts are skipped with the reason and never touched', async () => {
    const { phases, worked, status, result, events } = await rollout({ serial: parseSerial('1,2') }, ['c1']);
    expect(worked).toEqual(['c1']);
    expect(status).toEqual({ c1: 'failed', c2: 'skipped', c3: 'skipped', c4: 'skipped', c5: 'skipped' });
    expect(result.stopped).toMatch(/^rollout stopped after batch 1 of 3: 1 of 1 host\(s\) failed/);
    expect(result.outcomes.find((o) => o.host === 'c4')!.message).toBe(`not attempted: ${result.stopped}`);
    expect(phases.at(-1)).toBe('clients (not attempted: rollout stopped): c2,c3,c4,c5');
    expect(events.filter((e) => e.type === 'host-done')).toHaveLength(5);
  });

  it('goes on after failures in later batches unless --max-fail-percent says otherwise', async () => {
    const lenient = await rollout({ serial: parseSerial('1,2') }, ['c2', 'c3']);
    expect(lenient.worked).toHaveLength(5);
    expect(lenient.result.stopped).toBeUndefined();

    const strict = await rollout({ serial: parseSerial('1,2'), maxFailPercent: 50 }, ['c2'], ['c3']);
    expect(strict.status).toEqual({ c1: 'changed', c2: 'failed', c3: 'unreachable', c4: 'skipped', c5: 'skipped' });
    expect(strict.result.stopped).toMatch(/batch 2 of 3: 2 of 2 host\(s\) failed or unreachable \(100%; more than --max-fail-percent 50%\)/);
  });

  it('tolerates failures within --max-fail-percent', async () => {
    const { worked, status } = await rollout({ serial: parseSerial('2'), maxFailPercent: 50 }, ['c1', 'c3']);
    expect(worked).toHaveLength(5);
    expect(status.c5).toBe('changed');
  });
});
