// Wall time, CPU time and peak RSS of a command's WHOLE process tree, including processes that
// leave it (Ansible's ControlPersist ssh masters daemonise): the command runs in a cgroup of its
// own (cgroup v1 cpuacct, or v2), whose CPU counter covers every process ever in it, and whose
// member list gives the tree for RSS sampling. GNU time adds the exact peak of the largest
// single process (a sample could miss a short spike).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SAMPLE_MS = 250;
const PAGE = 4096;

function cgroupRoot() {
  if (existsSync('/sys/fs/cgroup/cpuacct/cpuacct.usage')) return { dir: '/sys/fs/cgroup/cpuacct', v: 1 };
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return { dir: '/sys/fs/cgroup', v: 2 };
  throw new Error('no cpuacct (cgroup v1) or cgroup v2 hierarchy at /sys/fs/cgroup');
}

function cpuNs(cg) {
  if (cg.v === 1) return Number(readFileSync(join(cg.path, 'cpuacct.usage'), 'utf8'));
  const usec = /usage_usec (\d+)/.exec(readFileSync(join(cg.path, 'cpu.stat'), 'utf8'));
  return Number(usec?.[1] ?? 0) * 1000;
}

function members(cg) {
  try {
    return readFileSync(join(cg.path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function treeRss(pids) {
  let bytes = 0;
  for (const pid of pids) {
    try {
      bytes += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
    } catch {
      /* gone meanwhile */
    }
  }
  return bytes;
}

let serial = 0;

/**
 * Run `argv` (cwd, env, output to logFile) and measure it. After it exits, processes it left in
 * its cgroup are measured too, then killed (`leftovers: 'kill'`), so their CPU is counted.
 * `hostsCgroup`: a cpuacct cgroup holding the lab's hosts, whose CPU time during the run is
 * reported as hostsCpuS (sshd, sudo and the commands: the other side of the work).
 * Returns { exitCode, wallS, cpuS, userS, sysS, peakRssMb, maxProcessRssMb, hostsCpuS?, logFile }.
 */
export async function measure(argv, { cwd, env, logFile, hostsCgroup }) {
  const root = cgroupRoot();
  const cg = { ...root, path: join(root.dir, `fleet-bench-${process.pid}-${++serial}`) };
  mkdirSync(cg.path);
  const timeFile = `${logFile}.time`;
  const out = openSync(logFile, 'w');
  const hosts = hostsCgroup ? { v: 1, path: hostsCgroup } : undefined;
  const hostsBefore = hosts ? cpuNs(hosts) : NaN;
  const started = process.hrtime.bigint();
  // The shell joins the cgroup, then becomes GNU time, which runs the command.
  const script = 'T=$1; shift; echo $$ > "$0/cgroup.procs" && exec /usr/bin/time -f "%e %U %S %M" -o "$T" -- "$@"';
  const child = spawn('sh', ['-c', script, cg.path, timeFile, ...argv], {
    cwd,
    env,
    stdio: ['ignore', out, out],
  });
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRss(members(cg)));
  }, SAMPLE_MS);
  const exitCode = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const wallNs = process.hrtime.bigint() - started;
  const hostsCpuS = hosts ? (cpuNs(hosts) - hostsBefore) / 1e9 : undefined;
  clearInterval(sampler);
  closeSync(out);
  const left = members(cg);
  peak = Math.max(peak, treeRss(left));
  const cpu = cpuNs(cg);
  const split = readSplit(cg);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await waitEmpty(cg);
  rmdirSync(cg.path);
  const [, , , maxKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return {
    exitCode,
    wallS: Number(wallNs) / 1e9,
    cpuS: cpu / 1e9,
    userS: split.user,
    sysS: split.sys,
    peakRssMb: Math.max(peak, maxKb * 1024) / 2 ** 20,
    maxProcessRssMb: maxKb / 1024,
    leftoverProcesses: left.length,
    ...(hostsCpuS !== undefined ? { hostsCpuS } : {}),
    logFile,
  };
}

function readSplit(cg) {
  try {
    if (cg.v === 1) {
      const stat = readFileSync(join(cg.path, 'cpuacct.stat'), 'utf8');
      const hz = 100; // USER_HZ
      return { user: Number(/user (\d+)/.exec(stat)[1]) / hz, sys: Number(/system (\d+)/.exec(stat)[1]) / hz };
    }
    const stat = readFileSync(join(cg.path, 'cpu.stat'), 'utf8');
    return { user: Number(/user_usec (\d+)/.exec(stat)[1]) / 1e6, sys: Number(/system_usec (\d+)/.exec(stat)[1]) / 1e6 };
  } catch {
    return { user: NaN, sys: NaN };
  }
}

async function waitEmpty(cg) {
  for (let i = 0; i < 100 && members(cg).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
}

/** Write `text` to a file, creating its directory. */
export function writeText(file, text) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}
