// fleet check on the real lab: after apply everything is in sync; then each kind of drift is made
// by hand and check reports exactly that, with the right exit code, while every file (content and
// mtime), every daemon and every container on every host stays untouched.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fleet, labInventory } from './fleet.js';
import { hostExec, hostSh, resetClients, resetHost } from './lab.js';

const SECRET_ENV = { HUB_USER: 'e2e-user', HUB_TOKEN: 'dckr_pat_check-secret-51c2' };
const credentials = { registry_proxy_username: '{{ env.HUB_USER }}', registry_proxy_password: '{{ env.HUB_TOKEN }}' };
const HOSTS = ['cache-1', 'client-1', 'client-2', 'client-3'];

interface Report {
  exitCode: number;
  summary: Record<string, unknown>;
  hosts: Array<{ host: string; status: string; roles: string[]; findings: Array<{ kind: string; severity: string; expected: string; found: string; fix: string }> }>;
  fix: string | null;
}

let dir: string;
let file: string;

async function check(...args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const r = await fleet(dir, ['check', file, '--json', ...args], SECRET_ENV);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

/** host -> the kinds of its drift/error findings, for hosts that have any. */
function findingsByHost(report: Report): Record<string, string[]> {
  return Object.fromEntries(
    report.hosts.map((h) => [h.host, h.findings.filter((f) => f.severity !== 'warning').map((f) => f.kind)] as const).filter(([, kinds]) => kinds.length > 0),
  );
}

/**
 * Everything check must not touch on a host: fleet's files and daemon.json (content + mtime in
 * ns), the firewall, the dockerd pid, every container's id/start time/state, and any file newer
 * than a marker under /etc, /usr/local and the cache data dir.
 */
const SNAPSHOT = `
for f in /etc/docker/daemon.json /etc/fleet/through-cache.yml /usr/local/sbin/fleet-mirror-firewall /etc/systemd/system/docker.service.d/fleet-mirror-firewall.conf /var/lib/fleet/registry/.fleet-cache; do
  [ -e "$f" ] && stat -c '%n %.9Y %s %a' "$f" && sha256sum "$f"
done
iptables -S 2>/dev/null
echo "dockerd $(pidof dockerd)"
docker ps -aq --no-trunc | xargs -r docker inspect -f '{{.Id}} {{.State.StartedAt}} {{.State.Status}}'
docker info --format '{{json .RegistryConfig.Mirrors}}'
`;

async function snapshot(): Promise<Record<string, string>> {
  const entries = await Promise.all(HOSTS.map(async (h) => [h, await hostSh(h, SNAPSHOT)] as const));
  await Promise.all(HOSTS.map((h) => hostSh(h, 'touch /tmp/check-marker; wc -l < /var/log/systemctl-standin.log > /tmp/check-log-lines 2>/dev/null || echo 0 > /tmp/check-log-lines')));
  return Object.fromEntries(entries);
}

/** Assert nothing changed since `before` was taken, and no service was started/stopped/reloaded. */
async function expectUntouched(before: Record<string, string>): Promise<void> {
  for (const h of HOSTS) {
    expect(await hostSh(h, SNAPSHOT), `state of ${h}`).toBe(before[h]);
    const newer = await hostSh(h, 'find /etc /usr/local /var/lib/fleet -xdev -newer /tmp/check-marker 2>/dev/null | head');
    expect(newer, `files written on ${h}`).toBe('');
    const calls = await hostSh(h, 'tail -n +$(( $(cat /tmp/check-log-lines) + 1 )) /var/log/systemctl-standin.log 2>/dev/null || true');
    for (const line of calls.split('\n').filter(Boolean)) expect(line, `systemctl call on ${h}`).toMatch(/systemctl (is-active|is-enabled|cat|show)\b/);
  }
}

beforeAll(async () => {
  await resetHost('cache-1');
  await resetClients();
  ({ dir, file } = labInventory({ withCache: true, vars: credentials }));
  const applied = await fleet(dir, ['apply', file], SECRET_ENV);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
}, 180_000);

describe('fleet check', () => {
  let restore: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    await restore?.();
    restore = undefined;
  });

  it('exits 0 after apply, touches nothing, and says so in JSON and in the Prometheus textfile', async () => {
    const before = await snapshot();
    const prom = join(dir, 'fleet.prom');
    const { code, report } = await check('--prometheus', prom);
    expect(code).toBe(0);
    expect(report).toMatchObject({ exitCode: 0, fix: null, summary: { hosts: 4, inSync: 4, drift: 0, failed: 0, unreachable: 0 } });
    expect(report.hosts.find((h) => h.host === 'cache-1')!.roles).toEqual(['cache']);
    const text = readFileSync(prom, 'utf8');
    expect(text).toMatch(/^fleet_check_drift\{inventory="[^"]+",host="client-2",role="client"\} 0$/m);
    expect(text).toMatch(/^fleet_check_exit_code\{inventory="[^"]+"\} 0$/m);
    await expectUntouched(before);
  });

  it('reports a daemon.json edited by hand and not applied (exit 2), naming the fix, untouched', async () => {
    await hostSh('client-1', `printf '{"registry-mirrors": ["http://10.77.9.9"]}\\n' > /etc/docker/daemon.json`);
    restore = () => fleet(dir, ['apply', file, '--limit', 'client-1'], SECRET_ENV);
    const before = await snapshot();
    const { code, report } = await check();
    expect(code).toBe(2);
    expect(findingsByHost(report)).toEqual({ 'client-1': ['daemon-json-mirrors', 'daemon-not-applied'] });
    const finding = report.hosts.find((h) => h.host === 'client-1')!.findings[0]!;
    expect(finding).toMatchObject({ expected: '["http://10.77.1.1"]', found: '["http://10.77.9.9"]' });
    expect(finding.fix).toMatch(/fleet apply .*inventory\.yml --limit client-1/);
    expect(report.fix).toMatch(/--limit client-1$/);
    await expectUntouched(before);
  });

  it('reports a daemon reloaded with another mirror (file and daemon agree, both wrong)', async () => {
    await hostSh('client-2', `printf '{"registry-mirrors": ["http://10.77.9.9"]}\\n' > /etc/docker/daemon.json && systemctl reload docker && sleep 1`);
    restore = () => fleet(dir, ['apply', file, '--limit', 'client-2'], SECRET_ENV);
    const before = await snapshot();
    const { code, report } = await check();
    expect(code).toBe(2);
    expect(findingsByHost(report)).toEqual({ 'client-2': ['daemon-json-mirrors'] });
    await expectUntouched(before);
  });

  it('reports a deleted firewall rule on the cache host, and the client it now shuts out', async () => {
    await hostSh('cache-1', 'iptables -D FLEET-MIRROR -s 10.77.2.3/32 -j RETURN');
    restore = () => fleet(dir, ['apply', file, '--limit', 'cache-1'], SECRET_ENV);
    const before = await snapshot();
    const { code, report } = await check();
    expect(code).toBe(2);
    expect(findingsByHost(report)).toEqual({ 'cache-1': ['firewall-rules'], 'client-3': ['mirror-unreachable'] });
    expect(report.hosts.find((h) => h.host === 'cache-1')!.findings[0]!.found).toBe('not admitted: 10.77.2.3/32');
    await expectUntouched(before);
  });

  it('reports a firewall a reboot would not bring back before the mirror (drop-in not loaded), untouched', async () => {
    await hostSh('cache-1', 'mv /etc/systemd/system/docker.service.d/fleet-mirror-firewall.conf /tmp/ && systemctl daemon-reload');
    restore = () => fleet(dir, ['apply', file, '--limit', 'cache-1'], SECRET_ENV);
    const before = await snapshot();
    const { code, report } = await check('--limit', 'cache');
    expect(code).toBe(2);
    expect(findingsByHost(report)).toEqual({ 'cache-1': ['persistence-dropin'] });
    await expectUntouched(before);
  });

  it('reports a stopped container, and the clients that can no longer reach the mirror', async () => {
    await hostSh('cache-1', 'docker stop through-cache >/dev/null');
    restore = () => fleet(dir, ['apply', file, '--limit', 'cache-1'], SECRET_ENV);
    const before = await snapshot();
    const { code, report } = await check();
    expect(code).toBe(2);
    expect(findingsByHost(report)).toEqual({
      'cache-1': ['container-stopped', 'registry-unhealthy'],
      'client-1': ['mirror-unreachable'],
      'client-2': ['mirror-unreachable'],
      'client-3': ['mirror-unreachable'],
    });
    await expectUntouched(before);
  });

  it('reports a removed container', async () => {
    await hostSh('cache-1', 'docker rm -f through-cache >/dev/null');
    restore = () => fleet(dir, ['apply', file, '--limit', 'cache-1'], SECRET_ENV);
    const { code, report } = await check('--limit', 'cache');
    expect(code).toBe(2);
    expect(findingsByHost(report)).toEqual({ 'cache-1': ['container-missing', 'registry-unhealthy'] });
  });

  it('reports an unreachable host with exit 4, and 6 together with drift', async () => {
    // SSH to client-3 refused from inside its namespace; everything else keeps working
    await hostSh('client-3', 'iptables -I INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset');
    restore = () => hostSh('client-3', 'iptables -D INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset');
    const down = await check();
    expect(down.code).toBe(4);
    expect(down.report.hosts.find((h) => h.host === 'client-3')!.status).toBe('unreachable');
    expect(down.report.summary).toMatchObject({ inSync: 3, unreachable: 1 });

    await hostSh('client-1', `printf '{}\\n' > /etc/docker/daemon.json`);
    const both = await check();
    await fleet(dir, ['apply', file, '--limit', 'client-1'], SECRET_ENV);
    expect(both.code).toBe(6);
    // the file lost its mirror while the running daemon still uses it
    expect(findingsByHost(both.report)).toEqual({ 'client-1': ['daemon-json-mirrors', 'daemon-not-applied'] });
  });

  it('fails the check (exit 4) on a host whose daemon.json is invalid, leaving it byte-identical', async () => {
    const original = await hostSh('client-2', 'cat /etc/docker/daemon.json');
    await hostSh('client-2', `printf '{"registry-mirrors": [' > /etc/docker/daemon.json`);
    restore = () => hostExec('client-2', 'cat > /etc/docker/daemon.json', original);
    const { code, report } = await check('--limit', 'client-2');
    expect(code).toBe(4);
    expect(findingsByHost(report)).toEqual({ 'client-2': ['daemon-json-invalid'] });
    expect(await hostSh('client-2', 'cat /etc/docker/daemon.json')).toBe('{"registry-mirrors": [');
  });

  it('never prints a secret, and plain output names the drift and the fix', async () => {
    await hostSh('client-1', `printf '{}\\n' > /etc/docker/daemon.json`);
    restore = () => fleet(dir, ['apply', file, '--limit', 'client-1'], SECRET_ENV);
    const plain = await fleet(dir, ['check', file], SECRET_ENV);
    expect(plain.code).toBe(2);
    expect(plain.stdout).toMatch(/\[client-1\] DRIFT daemon-json-mirrors/);
    expect(plain.stdout).toMatch(/to fix the drift: fleet apply .* --limit client-1/);
    expect(plain.stdout + plain.stderr).not.toContain(SECRET_ENV.HUB_TOKEN);
  });
});
