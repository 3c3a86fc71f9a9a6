// Scheduled apply against a fleet that scales: the clients come from the Nomad stand-in (as a
// CircleCI Server's Nomad server lists them), the cache host from a static file whose
// mirror_allow_cidrs covers the clients' network. The run is the exact command line that
// `fleet schedule --format cron --command apply` renders, run by sh as cron would. A new client is
// converged at the next run, clients that left are not in it, nodes that are down or ineligible
// are never contacted, and the cache host does not change at all while the fleet scales.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NomadStandIn, node, startNomadStandIn } from '../unit/nomad-stand-in.js';
import { fleet } from './fleet.js';
import { type Lab, activeMirrors, fileState, hostExec, hostSh, readLab, resetClients, resetHost, run } from './lab.js';

const TOKEN = '0c6f1f0e-5d0b-4c57-9a57-2f8e0c1d7a11';
const dir = mkdtempSync(path.join(tmpdir(), 'fleet-e2e-autoscale-'));
const at = (name: string) => path.join(dir, name);
let lab: Lab;
let nomad: NomadStandIn;
let scheduled: string;
let runs = 0;

const address = (host: string) => lab.hosts[host]!.address;
const ready = (...hosts: string[]) => hosts.map((h) => node(h, address(h)));
/** Never to be contacted: down, and ineligible for scheduling (the outsider has no Docker at all). */
const leftOut = () => [node('client-3', address('client-3'), { Status: 'down' }), node('outsider', address('outsider'), { SchedulingEligibility: 'ineligible' })];

/** One scheduled run: the cron line's command, as cron runs it; the summary from its report. */
async function scheduledApply(): Promise<{ code: number; hosts: Record<string, string>; stderr: string }> {
  const r = await run('sh', ['-c', scheduled]);
  copyFileSync(at('fleet-apply.json'), at(`run-${++runs}.json`)); // each run's report, for reading afterwards
  const lines = readFileSync(at('fleet-apply.json'), 'utf8').trim().split('\n');
  const summary = JSON.parse(lines.at(-1)!) as { hosts: Array<{ host: string; status: string }> };
  return { code: r.code, hosts: Object.fromEntries(summary.hosts.map((h) => [h.host, h.status])), stderr: r.stderr };
}

/** Everything fleet could change on the cache host: firewall, container, its files. */
const cacheState = () =>
  hostSh('cache-1', [
    'iptables -S',
    "docker inspect -f '{{.Id}} {{.State.StartedAt}}' through-cache",
    'stat -c "%n %Y.%y %s %a" /etc/fleet/through-cache.yml /usr/local/sbin/fleet-mirror-firewall /etc/systemd/system/docker.service.d/fleet-mirror-firewall.conf',
  ].join('; '));

beforeAll(async () => {
  lab = readLab();
  await resetHost('cache-1');
  await resetClients();
  nomad = await startNomadStandIn({ token: TOKEN, nodes: [...ready('client-1', 'client-2'), ...leftOut()] });
  writeFileSync(at('cache.yml'), [
    'all:',
    `  vars: { ansible_user: root, ansible_ssh_private_key_file: ${lab.keyFile} }`,
    'cache:',
    `  hosts: { cache-1: { ansible_host: ${address('cache-1')} } }`,
    `  vars: { registry_image: "registry:2", registry_proxy_remoteurl: "${lab.hubUrl}", mirror_allow_cidrs: [10.77.2.0/24] }`,
    '',
  ].join('\n'));
  writeFileSync(at('nomad.yml'), ['plugin: nomad', `address: ${nomad.address}`, 'token: "{{ env.NOMAD_TOKEN }}"', ''].join('\n'));
  writeFileSync(at('apply.env'), `NOMAD_TOKEN=${TOKEN}\n`, { mode: 0o600 });
  const schedule = await fleet(dir, ['schedule', '-i', at('cache.yml'), '-i', at('nomad.yml'), '--every', '15m', '--format', 'cron', '--command', 'apply',
    '--environment-file', at('apply.env'), '--known-hosts', lab.knownHosts, '--out', at('cron')], { NOMAD_TOKEN: TOKEN });
  expect(schedule.code, schedule.stderr).toBe(0);
  const line = readFileSync(at('cron/fleet-apply.crontab'), 'utf8').split('\n').find((l) => /^[\d,*]/.test(l))!;
  scheduled = line.split(' ').slice(5).join(' '); // what cron hands to sh: the line after its five time fields
  expect(scheduled).toMatch(/fleet\.js apply -i .*cache\.yml -i .*nomad\.yml/);
}, 120_000);

afterAll(async () => {
  await nomad?.close();
  await resetHost('cache-1');
  await resetClients();
}, 120_000);

describe('scheduled apply while the Nomad clients scale', () => {
  let cacheBefore: string;

  it('converges the 2 ready clients; the down and the ineligible node are never contacted; one rule admits the whole client network', async () => {
    const untouched = await fileState('client-3');
    const first = await scheduledApply();
    expect(first.code, first.stderr).toBe(0);
    expect(first.hosts).toEqual({ 'cache-1': 'changed', 'client-1': 'changed', 'client-2': 'changed' });
    expect(await fileState('client-3')).toBe(untouched);
    expect(await activeMirrors('client-3')).toEqual([]);
    const rules = await hostSh('cache-1', 'iptables -S FLEET-MIRROR');
    expect(rules).toContain('-s 10.77.2.0/24 -j RETURN');
    expect(rules).not.toMatch(/10\.77\.2\.\d+\/32/);
    cacheBefore = await cacheState();
  });

  it('scale-out: the new client is converged and pulls through the cache; the cache host and the old clients are untouched', async () => {
    const mirror = `http://${address('cache-1')}`;
    const oldClients = await Promise.all(['client-1', 'client-2'].map((c) => fileState(c)));
    nomad.options = { ...nomad.options, nodes: [...ready('client-1', 'client-2', 'client-3'), leftOut()[1]!] };
    const out = await scheduledApply();
    expect(out.code, out.stderr).toBe(0);
    expect(out.hosts).toEqual({ 'cache-1': 'ok', 'client-1': 'ok', 'client-2': 'ok', 'client-3': 'changed' });
    expect(await cacheState()).toBe(cacheBefore);
    expect(await Promise.all(['client-1', 'client-2'].map((c) => fileState(c)))).toEqual(oldClients);
    expect(await activeMirrors('client-3')).toEqual([`${mirror}/`]);
    // The lab's clients reach no registry but the cache: a pull that succeeds came through it.
    await hostSh('client-3', 'docker rmi -f busybox >/dev/null');
    const pull = await hostExec('client-3', 'docker pull busybox');
    expect(pull.code, pull.stderr).toBe(0);
    expect(JSON.parse(await hostSh('client-3', `curl -fsS ${mirror}/v2/_catalog`)).repositories).toContain('library/busybox');
  });

  it('scale-in to 1: nothing fails, the clients that left are not in the run, the cache host is untouched', async () => {
    nomad.options = { ...nomad.options, nodes: [...ready('client-1'), ...leftOut()] };
    const out = await scheduledApply();
    expect(out.code, out.stderr).toBe(0);
    expect(out.hosts).toEqual({ 'cache-1': 'ok', 'client-1': 'ok' });
    expect(await cacheState()).toBe(cacheBefore);
    expect(nomad.requests.every((r) => r.token === TOKEN)).toBe(true);
  });
});
