// The cache health gate of `fleet apply` when clients are gone (terminated autoscaled instances):
// the mirror is probed from whichever client answers, and the gone ones are reported, not fatal.
import { beforeAll, describe, expect, it } from 'vitest';
import { fleet, labInventory, statusOf, summaryOf } from './fleet.js';
import { activeMirrors, resetClients, resetHost } from './lab.js';

// Addresses on the lab network where nothing exists: connecting to them can only time out.
const GONE = { 'gone-1': '10.77.9.1', 'gone-2': '10.77.9.2', 'gone-3': '10.77.9.3', 'gone-4': '10.77.9.4' };

beforeAll(async () => {
  await resetHost('cache-1');
  await resetClients();
}, 120_000);

describe('health gate', () => {
  it('probes from a client that answers when the first ones are gone; the gone ones are unreachable, the others done', async () => {
    const extraClients = Object.fromEntries(Object.entries(GONE).map(([name, address]) => [name, { ansible_host: address }]));
    const { dir, file } = labInventory({ withCache: true, extraClients });
    // --forks 2: the gate tries two clients at a time, so every gone one is tried (and reported) first.
    const result = await fleet(dir, ['apply', file, '--json', '--connect-timeout', '2', '--forks', '2']);
    expect(result.code, result.stdout).toBe(4);
    const summary = summaryOf(result);
    expect(summary.problems).toEqual([]);
    for (const name of Object.keys(GONE)) expect(statusOf(result, name)).toBe('unreachable');
    for (const host of ['client-1', 'client-2', 'client-3']) {
      expect(statusOf(result, host)).toBe('changed');
      expect(await activeMirrors(host)).toEqual(['http://10.77.1.1/']);
    }
    const gateWarnings = result.stdout.split('\n').filter((l) => l.includes('"type":"warning"') && l.includes('health gate: cannot reach'));
    expect(gateWarnings.map((l) => JSON.parse(l).host).sort()).toEqual(Object.keys(GONE));
  });
});
