// The benchmark's pure parts: reading the tools' recaps back, and the per-host slope.
import { describe, expect, it } from 'vitest';
import { ansibleRecap } from '../bench/ansible.mjs';
import { fleetRecap } from '../bench/fleet.mjs';
import { linearFit, markdown, perHost, projectWall, ratios, slopes } from '../bench/report.mjs';

describe('benchmark helpers', () => {
  it('reads the recap of fleet apply/rollback and of fleet check', () => {
    expect(fleetRecap('x\ntotal : ok=1 changed=7 failed=1 unreachable=1 skipped=0\njournal: y')).toEqual({ hosts: 10, ok: 1, changed: 7, failed: 1, unreachable: 1 });
    expect(fleetRecap('total : in-sync=3 drift=5 failed=0 unreachable=2\n')).toEqual({ hosts: 10, ok: 3, changed: 5, failed: 0, unreachable: 2 });
    expect(fleetRecap('no recap at all')).toBeUndefined();
  });

  it('counts Ansible PLAY RECAP lines per host state', () => {
    const out = [
      'PLAY RECAP ****',
      'fb-1                       : ok=4    changed=2    unreachable=0    failed=0    skipped=0',
      'fb-2                       : ok=4    changed=0    unreachable=0    failed=0    skipped=0',
      'fb-3                       : ok=0    changed=0    unreachable=1    failed=0    skipped=0',
      'fb-4                       : ok=2    changed=1    unreachable=0    failed=1    skipped=0',
    ].join('\n');
    expect(ansibleRecap(out)).toEqual({ hosts: 4, changed: 1, ok: 1, failed: 1, unreachable: 1 });
  });

  it('fits cost per host through the sizes', () => {
    const fit = linearFit([[10, 1.5], [100, 6], [1000, 51]]);
    expect(fit.slope).toBeCloseTo(0.05, 6);
    expect(fit.intercept).toBeCloseTo(1, 6);
    expect(linearFit([[10, 1]])).toBeUndefined();
  });

  it('compares Ansible with fleet only where both did the work', () => {
    const row = (tool: string, wallS: number, ok = true) => ({ tool, hosts: 100, op: 'check', wallS, cpuS: 1, ok });
    expect(ratios([row('fleet', 2), row('ansible-default', 60), row('ansible-tuned', 20, false)])).toEqual([
      { hosts: 100, op: 'check', versus: 'ansible-default', wallRatio: 30, cpuRatio: 1 },
    ]);
  });

  it('gives control-node and hosts\' CPU per host, and the relay columns only with --rtt-ms', () => {
    const row = { tool: 'fleet', hosts: 100, op: 'check', wallS: 2, cpuS: 0.3, hostsCpuS: 2.5, peakRssMb: 90, sshConnectionsPerHost: 1, ok: true, summary: 's' };
    expect(perHost(row)).toEqual({ controlCpuMs: 3, hostsCpuMs: 25 });
    expect(perHost({ ...row, hostsCpuS: undefined }).hostsCpuMs).toBeNaN();
    const machine = { cpus: 2, cpuModel: 'x', memoryGb: 1, os: 'y', node: '20', ansible: 'z', loadBefore: '1', loadAfter: '2' };
    const doc = { date: 'd', machine, user: 'deploy', fleetCheck: 'fleet check', ansibleSizes: [], results: [row], ratios: [], slopes: [], notes: [] };
    const plain = markdown({ ...doc, rttMs: null });
    expect(plain).toContain('| 100 | fleet | check (drift) | 2.00 | 3.0 | 25.0 | 1.00 | 90 | s |');
    expect(plain).not.toContain('round trips');
    const relayed = markdown({ ...doc, rttMs: 30, results: [{ ...row, rttMs: 30, roundTripsPerHost: 10.56, relayCpuS: 0.04 }] });
    expect(relayed).toContain('delaying each direction by 15 ms (RTT 30 ms');
    expect(relayed).toContain('| 100 | fleet | check (drift) | 2.00 | 3.0 | 25.0 | 10.6 | 0.04 | 1.00 | 90 | s |');
  });

  it('projects a run from per-host figures: the larger of the latency and control-CPU bounds', () => {
    const figures = { controlCpuMs: 3, startupS: 0.5, roundTrips: 9, rttMs: 30, hostCpuMs: 40, forks: 50 };
    // Latency: 10000 x (9 x 30 + 40) ms / 50 = 62 s; CPU: 10000 x 3 ms = 30 s.
    expect(projectWall({ hosts: 10_000, ...figures })).toEqual({ wallS: 62.5, bound: 'latency', latencyS: 62, cpuS: 30 });
    // 4 shards: 2500 hosts each.
    expect(projectWall({ hosts: 10_000, shards: 4, ...figures }).wallS).toBeCloseTo(16, 6);
    // Many forks: the control node's CPU is the bound.
    expect(projectWall({ hosts: 10_000, ...figures, forks: 500 })).toMatchObject({ bound: 'control CPU', wallS: 30.5 });
  });

  it('averages round trips per host in the slopes and projects the fleet check with them', () => {
    const row = (hosts: number, cpuS: number, roundTripsPerHost: number) => ({ tool: 'fleet', op: 'check', hosts, wallS: hosts / 100, cpuS, hostsCpuS: hosts * 0.04, ok: true, roundTripsPerHost });
    const s = slopes([row(10, 0.53, 9), row(100, 0.8, 10)]);
    expect(s[0]).toMatchObject({ tool: 'fleet', op: 'check', roundTripsPerHost: 9.5 });
    expect(s[0]!.cpuMsPerHost).toBeCloseTo(3, 6);
    expect(s[0]!.cpuInterceptS).toBeCloseTo(0.5, 6);
    const machine = { cpus: 2, cpuModel: 'x', memoryGb: 1, os: 'y', node: '20', ansible: 'z', loadBefore: '1', loadAfter: '2' };
    const md = markdown({ date: 'd', machine, user: 'deploy', fleetCheck: 'fleet check', ansibleSizes: [], results: [], ratios: [], slopes: s, notes: [], rttMs: 30, forks: 'default' });
    // 10000 x (9.5 x 30 + 40) / 50 = 65 s + 0.5 s start-up, against 30 s of control CPU.
    expect(md).toContain('| 1 | 10000 | 65.0 | 30.0 | 65.5 | latency |');
    expect(md).toContain('| 10 | 1000 | 6.5 | 3.0 | 7.0 | latency |');
  });
});
