// The fleet pod's resource requests and limits, from the benchmark's measured figures (README
// "Benchmark", "Latest figures"). Pure.
import type { ScheduledCommand } from './spec.js';

interface BenchFigures {
  /** The operation of the bench table the figures come from. */
  readonly operation: string;
  /** Control-node CPU per host and wall time per host (slopes through 10, 100 and 1000 hosts). */
  readonly cpuMsPerHost: number;
  readonly wallMsPerHost: number;
  /** Peak RSS of the control node at 10 and at 1000 hosts, in MB. */
  readonly rssAt10: number;
  readonly rssAt1000: number;
}

const FIGURES: Record<ScheduledCommand, BenchFigures> = {
  check: { operation: 'check (drift)', cpuMsPerHost: 7.5, wallMsPerHost: 40.6, rssAt10: 81, rssAt1000: 117 },
  apply: { operation: 'apply (first run)', cpuMsPerHost: 9.1, wallMsPerHost: 74.1, rssAt10: 87, rssAt1000: 122 },
};

/** CPU spent loading modules at start-up, whatever the host count (bench profile). */
const STARTUP_CPU_S = 0.35;
const MIN_CPU_MILLI = 100;

export interface PodResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
  /** Why these figures, as comment lines. */
  readonly explanation: readonly string[];
}

export function podResources(command: ScheduledCommand, hostsPerShard: number, hostsSource: 'counted' | 'given'): PodResources {
  const f = FIGURES[command];
  const rssPerHost = (f.rssAt1000 - f.rssAt10) / 990;
  const baseRss = f.rssAt10 - 10 * rssPerHost;
  const peakMiB = baseRss + rssPerHost * hostsPerShard;
  // MB read as MiB (slightly more), rounded up to 16 MiB.
  const memoryMiB = Math.ceil(peakMiB / 16) * 16;
  const cores = f.cpuMsPerHost / f.wallMsPerHost;
  const cpuMilli = Math.max(MIN_CPU_MILLI, Math.ceil((cores * 1000) / 50) * 50);
  const cpuSeconds = STARTUP_CPU_S + (f.cpuMsPerHost * hostsPerShard) / 1000;
  const hosts = `${hostsPerShard} host${hostsPerShard === 1 ? '' : 's'} per shard (${hostsSource === 'counted' ? 'counted in the inventory' : '--hosts-per-shard'})`;
  return {
    requests: { cpu: `${cpuMilli}m`, memory: `${memoryMiB}Mi` },
    limits: { cpu: '1', memory: `${memoryMiB * 2}Mi` },
    explanation: [
      ` Sized from fleet's benchmark (README "Benchmark", ${f.operation}), for ${hosts}:`,
      ` memory: peak RSS ${f.rssAt10} MB at 10 hosts, ${f.rssAt1000} MB at 1000, i.e. ${round(baseRss)} MB + ${round(rssPerHost, 3)} MB per host:`,
      `   ${round(peakMiB)} MB here, requested as ${memoryMiB}Mi; the limit is twice that (garbage collection headroom).`,
      ` cpu: ${f.cpuMsPerHost} ms of control-node CPU per host over ${f.wallMsPerHost} ms of wall time per host, ${round(cores, 2)} core on`,
      `   average. CPU time grows with the hosts (here ~${round(cpuSeconds, 1)} s), the rate does not: --forks bounds the hosts`,
      '   in flight. Limit 1 core: fleet works on one Node.js thread; start-up and key exchanges burst to it.',
      ' Re-render with --hosts-per-shard (or more --shards) when the fleet grows.',
    ],
  };
}

function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
