#!/usr/bin/env node
// `npm run bench`: fleet against Ansible on a lab of N light hosts (test/bench/light-lab.sh), for
// each N: wall time, CPU time and peak RSS of the whole process tree of check, apply (first run
// and no change) and rollback; then the same work by Ansible with its defaults and tuned.
// Writes bench-results/bench-<date>.json and .md, and prints the table.
//
//   node test/bench/run.mjs [--sizes 10,100,1000] [--ansible-sizes 10,100] [--user deploy|root]
//                           [--forks N] [--keep-lab] [--skip-ansible] [--cpu-prof]
//                           [--rtt-ms MS] [--ansible-tunings default,tuned]
// --rtt-ms: every SSH connection goes through a relay delaying each direction by MS/2 (relay.mjs),
// which also counts the SSH round trips per host.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ansibleArgv, ansibleEnv, ansibleRecap, ansibleTunings, writeAnsibleInventory } from './ansible.mjs';
import { checkCommand, fleetArgv, fleetRecap, REPO, writeFleetInventory } from './fleet.mjs';
import { measure, writeText } from './measure.mjs';
import { startRelay } from './latency.mjs';
import { markdown, ratios, slopes } from './report.mjs';

const LAB = join(REPO, 'test', 'bench', 'light-lab.sh');
// The lab keeps its state outside the checkout (see light-lab.sh), wherever that is.
const STATE = execFileSync('bash', [LAB, 'state-dir'], { encoding: 'utf8' }).trim();
const MAX_HOSTS = 1000;
const MB_PER_HOST = 8; // sshd, tini, launcher, dockerd stand-in; measured ~3 MB, with margin

/** Stop with a one-line reason (no stack trace) and a non-zero exit. */
function fail(message, code = 2) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(code);
}

const OPTIONS = {
  sizes: { type: 'string', default: '10,100,1000' },
  'ansible-sizes': { type: 'string', default: '10,100' },
  user: { type: 'string', default: 'deploy' },
  forks: { type: 'string' },
  'keep-lab': { type: 'boolean', default: false },
  'skip-ansible': { type: 'boolean', default: false },
  'cpu-prof': { type: 'boolean', default: false },
  'rtt-ms': { type: 'string' },
  'ansible-tunings': { type: 'string', default: 'default,tuned' },
  out: { type: 'string', default: join(REPO, 'bench-results') },
};
const opts = (() => {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (err) {
    return fail(err.message);
  }
})();

const list = (s) => s.split(',').filter(Boolean).map(Number).sort((a, b) => a - b);
const notes = [];
let sizes = list(opts.sizes);
const ansibleSizes = opts['skip-ansible'] ? [] : list(opts['ansible-sizes']);
if (!['deploy', 'root'].includes(opts.user)) fail('--user must be deploy or root');
if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) fail(`--sizes: positive integers, got ${opts.sizes}`);
const rttMs = opts['rtt-ms'] === undefined ? undefined : Number(opts['rtt-ms']);
if (rttMs !== undefined && !(Number.isFinite(rttMs) && rttMs >= 0 && rttMs <= 10_000)) fail(`--rtt-ms: a number of milliseconds from 0 to 10000, got ${opts['rtt-ms']}`);
const tunings = ansibleTunings().filter((t) => opts['ansible-tunings'].split(',').includes(t.name.replace('ansible-', '')));
if (tunings.length === 0) fail(`--ansible-tunings: default, tuned or both, got ${opts['ansible-tunings']}`);

// Hosts the machine holds: the lab's bridge limit, and its free memory.
const fits = Math.min(MAX_HOSTS, Math.floor((freemem() / 2 ** 20 - 1024) / MB_PER_HOST));
if (sizes.some((n) => n > fits)) {
  notes.push(`Sizes above ${fits} hosts do not fit on this machine (bridge limit ${MAX_HOSTS}, free memory); ran ${fits} instead.`);
  sizes = [...new Set(sizes.map((n) => Math.min(n, fits)))];
}
const skippedAnsible = sizes.filter((n) => !ansibleSizes.includes(n));
if (skippedAnsible.length > 0) notes.push(`Ansible not run at ${skippedAnsible.join(', ')} hosts (it would take very long; include them with --ansible-sizes).`);

const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  os: (() => { try { return sh('lsb_release', ['-ds']); } catch { return /PRETTY_NAME="(.*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown'; } })(),
  node: process.versions.node,
  ansible: (() => { try { return sh('ansible', ['--version']).split('\n')[0]; } catch { return 'no Ansible'; } })(),
  loadBefore: loadavg(),
  loadAfter: '',
};
const check = checkCommand();
if (check.args[0] !== 'check') notes.push('This build has no `fleet check`: the check rows ran `fleet apply --check --detailed-exitcode` (read-only, same facts and plan).');

const date = new Date().toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
const runRoot = join(opts.out, `bench-${date}`);
const results = [];

/** SSH logins the lab's sshds accepted so far (each host logs to its own /var/log/sshd.log). */
function acceptedLogins() {
  let count = 0;
  for (const host of readdirSync(join(STATE, 'hosts'))) {
    try {
      count += readFileSync(join(STATE, 'hosts', host, 'log', 'sshd.log'), 'utf8').split('Accepted publickey').length - 1;
    } catch {
      /* no login yet */
    }
  }
  return count;
}

/** measure(), plus the SSH connections the run opened per host, and with the relay its round
 * trips per host and its own CPU time (counted apart from the control node's and the hosts'). */
async function measureRun(n, argv, options, relay) {
  const before = acceptedLogins();
  const relayBefore = await relay?.stats();
  const m = await measure(argv, options);
  const row = { ...m, sshConnectionsPerHost: (acceptedLogins() - before) / n };
  if (!relay) return row;
  const relayAfter = await relay.stats();
  return { ...row, rttMs, roundTripsPerHost: (relayAfter.roundTrips - relayBefore.roundTrips) / n, relayCpuS: relayAfter.cpuS - relayBefore.cpuS };
}

function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

function record(row) {
  results.push(row);
  const rt = row.roundTripsPerHost === undefined ? '' : `  round trips/host ${row.roundTripsPerHost.toFixed(1)}  relay cpu ${row.relayCpuS.toFixed(2)} s`;
  log(`${String(row.hosts).padStart(4)} ${row.tool.padEnd(15)} ${row.op.padEnd(14)} wall ${row.wallS.toFixed(2)} s  cpu ${row.cpuS.toFixed(2)} s  hosts cpu ${row.hostsCpuS?.toFixed(2) ?? '-'} s  rss ${row.peakRssMb.toFixed(0)} MB  ssh/host ${row.sshConnectionsPerHost.toFixed(2)}${rt}  load ${loadavg()}  ${row.ok ? 'ok' : 'FAILED'}: ${row.summary}`);
}

/** Did a run do the expected work on every host? `expect`: 'changed' or 'ok' for all. */
function judge(recap, n, expect, exitCode, okCodes) {
  if (!recap) return { ok: false, summary: `no recap (exit ${exitCode})` };
  const summary = `${recap.changed} changed, ${recap.ok} ok, ${recap.failed} failed, ${recap.unreachable} unreachable`;
  const all = recap.hosts === n && recap[expect] === n && okCodes.includes(exitCode);
  return { ok: all, summary: all ? summary : `${summary} (exit ${exitCode}; expected ${n} ${expect})` };
}

async function runFleet(n, dir, inventory, lab, relay, op, expect, okCodes) {
  const extra = opts.forks ? ['--forks', opts.forks] : [];
  const nodeArgs = opts['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'cpu-prof')}`, `--cpu-prof-name=${op}.cpuprofile`] : [];
  const command = { 'apply-nochange': 'apply', 'check-insync': 'check' }[op] ?? op;
  const m = await measureRun(n, fleetArgv(command, inventory, lab, extra, nodeArgs), {
    cwd: dir,
    env: { ...process.env, CI: 'true' },
    logFile: join(dir, `fleet-${op}.log`),
    hostsCgroup: lab.hostsCgroup || undefined,
  }, relay);
  const verdict = judge(fleetRecap(readFileSync(m.logFile, 'utf8')), n, expect, m.exitCode, okCodes);
  record({ hosts: n, tool: 'fleet', op, ...m, ...verdict });
}

async function runAnsible(n, dir, inventory, lab, relay, tuning, op, expect) {
  const runDir = join(dir, `${tuning.name}-${op}`);
  mkdirSync(runDir, { recursive: true });
  const env = ansibleEnv(process.env, tuning, lab, runDir);
  const m = await measureRun(n, ansibleArgv(inventory, op === 'apply-nochange' ? 'apply' : op), {
    cwd: runDir,
    env,
    logFile: join(dir, `${tuning.name}-${op}.log`),
    hostsCgroup: lab.hostsCgroup || undefined,
  }, relay);
  rmSync(env.ANSIBLE_SSH_CONTROL_PATH_DIR, { recursive: true, force: true });
  const verdict = judge(ansibleRecap(readFileSync(m.logFile, 'utf8')), n, expect, m.exitCode, [0]);
  record({ hosts: n, tool: tuning.name, op, ...m, ...verdict });
}

async function benchSize(n) {
  log(`bringing up ${n} light hosts`);
  const t0 = Date.now();
  labCommand('up', String(n));
  log(`lab up in ${((Date.now() - t0) / 1000).toFixed(1)} s; load ${loadavg()}`);
  const dir = join(runRoot, `n${n}`);
  mkdirSync(dir, { recursive: true });
  const direct = JSON.parse(readFileSync(join(STATE, 'hosts.json'), 'utf8'));
  const relay = rttMs === undefined ? undefined : await startRelay(direct, rttMs, dir);
  const lab = relay?.lab ?? direct;
  try {
    const fleetInventory = writeFleetInventory(dir, lab, lab.hosts, opts.user);
    // Every tool starts from the lab's state (no mirrors) and ends there (its rollback).
    await runFleet(n, dir, fleetInventory, lab, relay, 'check', 'changed', [2]);
    await runFleet(n, dir, fleetInventory, lab, relay, 'apply', 'changed', [0]);
    await runFleet(n, dir, fleetInventory, lab, relay, 'check-insync', 'ok', [0]);
    await runFleet(n, dir, fleetInventory, lab, relay, 'apply-nochange', 'ok', [0]);
    await runFleet(n, dir, fleetInventory, lab, relay, 'rollback', 'changed', [0]);
    if (ansibleSizes.includes(n)) {
      const inventory = writeAnsibleInventory(dir, lab, lab.hosts, opts.user);
      for (const tuning of tunings) {
        await runAnsible(n, dir, inventory, lab, relay, tuning, 'check', 'changed');
        await runAnsible(n, dir, inventory, lab, relay, tuning, 'apply', 'changed');
        await runAnsible(n, dir, inventory, lab, relay, tuning, 'apply-nochange', 'ok');
        await runAnsible(n, dir, inventory, lab, relay, tuning, 'rollback', 'changed');
      }
    }
  } finally {
    await relay?.stop();
  }
}

/** Run light-lab.sh; it prints its own one-line reason when it refuses or fails. */
function labCommand(...args) {
  try {
    execFileSync('bash', [LAB, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    throw new Error(`light-lab.sh ${args.join(' ')} failed (exit ${err.status ?? err.signal}; the reason is above)`);
  }
}

mkdirSync(runRoot, { recursive: true });
try {
  for (const n of sizes) await benchSize(n);
} catch (err) {
  if (!opts['keep-lab']) {
    try {
      labCommand('down');
    } catch {
      /* its reason is printed; the run's own failure is the one to report */
    }
  }
  fail(err.message, 1);
}
if (!opts['keep-lab']) labCommand('down');
machine.loadAfter = loadavg();
const doc = {
  date,
  machine,
  user: opts.user,
  forks: opts.forks ? Number(opts.forks) : 'default',
  rttMs: rttMs ?? null,
  fleetCheck: check.label,
  sizes,
  ansibleSizes: ansibleSizes.filter((n) => sizes.includes(n)),
  results: results.map(({ logFile, ...r }) => ({ ...r, log: logFile.slice(opts.out.length + 1) })),
  ratios: ratios(results),
  slopes: slopes(results),
  notes,
};
const md = markdown(doc);
writeText(join(opts.out, `bench-${date}.json`), `${JSON.stringify(doc, null, 2)}\n`);
writeText(join(opts.out, `bench-${date}.md`), md);
process.stdout.write(md);
log(`written: ${join(opts.out, `bench-${date}`)}.json, .md (logs in ${runRoot}/)`);
if (results.some((r) => !r.ok)) process.exitCode = 1;
