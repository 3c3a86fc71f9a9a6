// vitest globalSetup of the e2e project: one lab (test/lab/lab.sh) for the whole run.
// FLEET_LAB_KEEP=1 keeps it between runs: reuse a healthy lab, and leave it up afterwards.
import { spawnSync } from 'node:child_process';
import { labScript } from './lab.js';

function lab(command: 'up' | 'down' | 'status', quiet = false): number {
  const r = spawnSync('bash', [labScript, command], {
    stdio: ['ignore', quiet ? 'ignore' : 'inherit', quiet ? 'ignore' : 'inherit'],
  });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

export default async function setup(): Promise<() => Promise<void>> {
  const keep = process.env.FLEET_LAB_KEEP === '1';
  if (!(keep && lab('status', true) === 0)) {
    if (lab('up') !== 0) throw new Error('test/lab/lab.sh up failed (see its output above)');
  }
  return async () => {
    if (!keep) lab('down');
  };
}
