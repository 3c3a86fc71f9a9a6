// The mirror firewall on cache-1 never fails open: not on the first apply where systemd cannot
// take fleet's docker drop-in, not at a reboot, not at a reboot where the rules cannot be
// installed. It never runs text read from the host, and it publishes the port on IPv4 only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fleet, labInventory, statusOf, summaryOf } from './fleet.js';
import { hostExec, hostSh, readLab, rebootHost, resetClients, resetHost } from './lab.js';

const SECRET_ENV = { HUB_USER: 'e2e-user', HUB_TOKEN: 'dckr_pat_firewall-secret-93b1' };
const credentials = { registry_proxy_username: '{{ env.HUB_USER }}', registry_proxy_password: '{{ env.HUB_TOKEN }}' };
const MIRROR = 'http://10.77.1.1/v2/';

/** HTTP status of GET MIRROR from a host ("000": no connection). */
async function statusFrom(host: string): Promise<string> {
  return (await hostExec(host, `curl -s -m 5 -o /dev/null -w %{http_code} ${MIRROR}`)).stdout;
}

async function containerRunning(): Promise<boolean> {
  const r = await hostExec('cache-1', "docker inspect -f '{{.State.Running}}' through-cache");
  return r.code === 0 && r.stdout.trim() === 'true';
}

/** Wait until `probe` holds (a reboot starts the container asynchronously); false on timeout. */
async function eventually(probe: () => Promise<boolean>, seconds = 30): Promise<boolean> {
  for (let i = 0; i < seconds * 2; i++) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

function inventory(vars: Record<string, unknown> = {}) {
  return labInventory({ withCache: true, vars: { ...credentials, ...vars } });
}

beforeEach(async () => {
  await resetHost('cache-1');
  await resetClients();
  await hostSh('cache-1', 'rm -f /usr/local/sbin/iptables /tmp/pwned-*');
}, 120_000);

afterEach(async () => {
  await hostSh('cache-1', 'rm -f /usr/local/sbin/iptables');
});

describe('the mirror firewall never fails open', () => {
  it('where systemd cannot load the drop-in (not PID 1): the host fails with the reason, the port never opens, on every run', async () => {
    await hostSh('cache-1', 'mkdir -p /etc/systemctl-standin && touch /etc/systemctl-standin/fail-daemon-reload /etc/systemctl-standin/fail-enable');
    const { dir, file } = inventory();
    for (const attempt of [1, 2]) {
      const result = await fleet(dir, ['apply', file, '--json'], SECRET_ENV);
      expect(await statusFrom('outsider'), `attempt ${attempt}`).toBe('000');
      expect(await statusFrom('client-1')).toBe('000');
      expect(await containerRunning()).toBe(false);
      expect(result.code, `attempt ${attempt}: ${result.stdout}`).toBe(4);
      const cache = summaryOf(result).hosts.find((h) => h.host === 'cache-1')!;
      expect(cache.status).toBe('failed');
      expect(cache.message).toMatch(/daemon-reload/);
      expect(cache.message).toMatch(/not run/);
      expect(statusOf(result, 'client-1')).toBe('skipped');
    }
  });

  it('takes down a running mirror whose boot-time protection can no longer be loaded', async () => {
    const { dir, file } = inventory();
    expect((await fleet(dir, ['apply', file], SECRET_ENV)).code).toBe(0);
    expect(await statusFrom('client-1')).toBe('200');
    // the protection is gone (deleted by hand) and systemd cannot reload
    await hostSh('cache-1', 'rm -rf /etc/systemd/system/docker.service.d && mkdir -p /etc/systemctl-standin && touch /etc/systemctl-standin/fail-daemon-reload');
    const result = await fleet(dir, ['apply', file, '--json', '--limit', 'cache'], SECRET_ENV);
    expect(result.code).toBe(4);
    expect(statusOf(result, 'cache-1')).toBe('failed');
    expect(await containerRunning()).toBe(false);
    expect(await statusFrom('outsider')).toBe('000');
    // the cached data survives: a fixed host gets its mirror back
    await hostSh('cache-1', 'rm -f /etc/systemctl-standin/fail-daemon-reload');
    expect((await fleet(dir, ['apply', file, '--limit', 'cache'], SECRET_ENV)).code).toBe(0);
    expect(await statusFrom('client-1')).toBe('200');
  });

  it('after a reboot the container is back and the outsider is still refused, clients admitted', async () => {
    const { dir, file } = inventory();
    const applied = await fleet(dir, ['apply', file], SECRET_ENV);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const reboot = await rebootHost('cache-1');
    expect(reboot.code, reboot.stderr).toBe(0);
    expect(await eventually(containerRunning)).toBe(true);
    expect(await eventually(async () => (await statusFrom('client-2')) === '200')).toBe(true);
    expect(await statusFrom('outsider')).toBe('000');
    // the rules were in force before dockerd started: the stand-in ran the drop-in first
    const log = await hostSh('cache-1', 'cat /var/log/systemctl-standin.log');
    expect(log).toMatch(/ExecStartPre: \/usr\/local\/sbin\/fleet-mirror-firewall/);
    // and a second apply finds nothing to do
    const again = await fleet(dir, ['apply', file, '--json', '--limit', 'cache'], SECRET_ENV);
    expect(summaryOf(again).recap).toMatchObject({ ok: 1, changed: 0 });
  });

  it('a reboot where the rules cannot be installed leaves the port closed', async () => {
    const { dir, file } = inventory();
    expect((await fleet(dir, ['apply', file], SECRET_ENV)).code).toBe(0);
    // an iptables that refuses fleet's rules (say, a kernel without the conntrack match), while
    // dockerd's own rules still work
    await hostSh('cache-1', `cat > /usr/local/sbin/iptables <<'EOF'
#!/bin/sh
case "$*" in *FLEET-MIRROR*) echo "iptables: No chain/target/match by that name." >&2; exit 1 ;; esac
exec /usr/sbin/iptables "$@"
EOF
chmod 755 /usr/local/sbin/iptables`);
    await rebootHost('cache-1');
    // wait for the outcome: docker kept down, or the container (--restart=always) up
    const dockerDown = async () => (await hostExec('cache-1', 'systemctl is-active docker')).code !== 0;
    expect(await eventually(async () => (await dockerDown()) || (await containerRunning()))).toBe(true);
    expect(await statusFrom('outsider')).toBe('000');
    expect(await statusFrom('client-1')).toBe('000');
    expect(await containerRunning()).toBe(false);
    // once the rules can be installed again, docker starts with them
    await hostSh('cache-1', 'rm -f /usr/local/sbin/iptables && systemctl start docker');
    expect(await eventually(async () => (await statusFrom('client-1')) === '200')).toBe(true);
    expect(await statusFrom('outsider')).toBe('000');
  });
});

describe('the allowlist guards the container, not only the published port', () => {
  // A host on the same L2 can route the container's address through the cache host: Docker
  // forwards that to the registry's own port 5000 without the DNAT of the published port.
  /** GET /v2/ from `host` straight to the container's address, routed through the cache host. */
  async function direct(host: string): Promise<{ status: string; curlExit: number }> {
    const cache = readLab().hosts['cache-1']!.address;
    const containerIp = (await hostSh('cache-1', "docker inspect -f '{{.NetworkSettings.IPAddress}}' through-cache")).trim();
    expect(containerIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await hostSh(host, `ip route replace ${containerIp}/32 via ${cache}`);
    try {
      const r = await hostExec(host, `curl -s -m 5 -o /dev/null -w %{http_code} http://${containerIp}:5000/v2/`);
      return { status: r.stdout, curlExit: r.code };
    } finally {
      await hostSh(host, `ip route del ${containerIp}/32 via ${cache}`);
    }
  }
  const directStatus = async (host: string) => (await direct(host)).status;
  /** The kinds of cache-1's drift and error findings. */
  async function cacheFindings(dir: string, file: string): Promise<string[]> {
    const checked = await fleet(dir, ['check', file, '--json', '--limit', 'cache'], SECRET_ENV);
    const report = JSON.parse(checked.stdout) as { hosts: Array<{ host: string; findings: Array<{ kind: string; severity: string }> }> };
    return report.hosts.find((h) => h.host === 'cache-1')!.findings.filter((f) => f.severity !== 'warning').map((f) => f.kind);
  }

  it('refuses the outsider routed straight to the container; clients still pull through the published port', async () => {
    const { dir, file } = inventory();
    const applied = await fleet(dir, ['apply', file], SECRET_ENV);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // refused with a reset (curl: could not connect), not dropped (a timeout)
    expect(await direct('outsider')).toEqual({ status: '000', curlExit: 7 });
    expect(await statusFrom('outsider')).toBe('000');
    // a client is admitted either way, and its pull is served by the cache
    expect(await directStatus('client-1')).toBe('200');
    expect(await statusFrom('client-1')).toBe('200');
    const since = (await hostSh('cache-1', 'date -u +%Y-%m-%dT%H:%M:%SZ')).trim();
    await hostSh('client-2', 'docker rmi -f busybox:latest >/dev/null 2>&1 || true');
    const pull = await hostExec('client-2', 'docker pull busybox');
    expect(pull.code, pull.stderr).toBe(0);
    const served = await hostSh('cache-1', `docker logs --since ${since} through-cache 2>&1`);
    expect(served).toContain(readLab().hosts['client-2']!.address);
  });

  it("an older fleet's jump (published port only) is drift to check, and the next apply closes the hole", async () => {
    const { dir, file } = inventory();
    expect((await fleet(dir, ['apply', file, '--limit', 'cache'], SECRET_ENV)).code).toBe(0);
    // what earlier versions installed: the jump matched the published port before DNAT only
    await hostSh('cache-1', "iptables -R DOCKER-USER 1 -o docker0 -p tcp -m conntrack --ctstate NEW --ctorigdstport 80 --ctdir ORIGINAL -m comment --comment fleet-mirror -j FLEET-MIRROR && echo '# older fleet' >> /usr/local/sbin/fleet-mirror-firewall");
    expect(await directStatus('outsider')).toBe('200');
    expect((await cacheFindings(dir, file)).sort()).toEqual(['firewall-jump', 'persistence-script']);
    const applied = await fleet(dir, ['apply', file, '--json', '--limit', 'cache'], SECRET_ENV);
    expect(summaryOf(applied).recap).toMatchObject({ changed: 1 });
    expect(await direct('outsider')).toEqual({ status: '000', curlExit: 7 });
    expect(await statusFrom('outsider')).toBe('000');
    expect(await statusFrom('client-1')).toBe('200');
    expect(await cacheFindings(dir, file)).toEqual([]);
  });
});

describe('a cache host set up by an older fleet', () => {
  // What earlier versions left: credentials in an env file passed with --env-file, a unit wanted by
  // docker.service that ran after dockerd, the port published on every address, no marker.
  const OLD_LAYOUT = `set -e
rm -rf /var/lib/fleet/registry /etc/fleet/through-cache.yml /etc/systemd/system/docker.service.d
mkdir -p /etc/fleet /var/lib/fleet/registry/docker/registry
printf 'REGISTRY_PROXY_REMOTEURL=http://10.77.0.2:5000\\nREGISTRY_PROXY_PASSWORD=old-secret-4711\\n' > /etc/fleet/through-cache.env
chmod 600 /etc/fleet/through-cache.env
printf '#!/bin/sh\\nexit 0\\n' > /usr/local/sbin/fleet-mirror-firewall && chmod 755 /usr/local/sbin/fleet-mirror-firewall
printf '[Unit]\\nAfter=docker.service\\n[Service]\\nType=oneshot\\nRemainAfterExit=yes\\nExecStart=/usr/local/sbin/fleet-mirror-firewall\\n[Install]\\nWantedBy=docker.service\\n' > /etc/systemd/system/fleet-mirror-firewall.service
systemctl enable fleet-mirror-firewall.service
docker run -d --name through-cache --restart=always -p 80:5000 -v /var/lib/fleet/registry:/var/lib/registry --env-file /etc/fleet/through-cache.env --label io.fleet.spec=0123abcd registry:2 >/dev/null`;

  it('is migrated: drop-in in, old unit and env file out, IPv4 only, its data dir taken over; then in sync', async () => {
    await hostSh('cache-1', OLD_LAYOUT);
    const { dir, file } = inventory();
    const result = await fleet(dir, ['apply', file, '--json', '--limit', 'cache'], SECRET_ENV);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/holds registry data but no \.fleet-cache marker .*: fleet takes it over/);
    const left = await hostSh('cache-1', 'ls -d /etc/fleet/through-cache.env /etc/systemd/system/fleet-mirror-firewall.service /etc/systemd/system/docker.service.wants/fleet-mirror-firewall.service 2>/dev/null || true');
    expect(left).toBe('');
    expect(await hostSh('cache-1', 'systemctl show docker.service -p DropInPaths --value')).toContain('fleet-mirror-firewall.conf');
    expect(await hostSh('cache-1', 'head -n 1 /var/lib/fleet/registry/.fleet-cache')).toMatch(/^fleet cache data directory/);
    expect(await hostSh('cache-1', 'docker inspect through-cache')).not.toContain('old-secret-4711');
    expect(await hostSh('cache-1', 'ss -Hltn')).not.toMatch(/(\[::\]|\*):80\b/);
    expect(await statusFrom('outsider')).toBe('000');
    const checked = await fleet(dir, ['check', file, '--json', '--limit', 'cache'], SECRET_ENV);
    expect(checked.code, checked.stdout).toBe(0);
  });
});

describe('host text is never run as shell code', () => {
  // Rules someone else put in DOCKER-USER, built to fool a `grep fleet-mirror | eval` pipeline:
  // fleet's comment, a command substitution, backticks, a forged `-j FLEET-MIRROR` line.
  const PLANTED = [
    `iptables -I DOCKER-USER -m comment --comment fleet-mirror -m comment --comment '$(touch /tmp/pwned-dollar)' -j RETURN`,
    "iptables -I DOCKER-USER -m comment --comment fleet-mirror -m comment --comment '`touch /tmp/pwned-backtick`' -j RETURN",
    `iptables -I DOCKER-USER -m comment --comment "$(printf 'x\\n-A DOCKER-USER -j FLEET-MIRROR $(touch /tmp/pwned-newline)')" -j RETURN`,
  ];

  it('apply, the re-application at docker start and rollback --cache never run a planted rule', async () => {
    await hostSh('cache-1', PLANTED.join('\n'));
    const planted = await hostSh('cache-1', 'iptables -S DOCKER-USER | grep -c pwned');
    const { dir, file } = inventory();
    const applied = await fleet(dir, ['apply', file, '--json'], SECRET_ENV);
    expect(await hostSh('cache-1', 'ls /tmp | grep pwned || true')).toBe('');
    expect(applied.code, applied.stdout).toBe(0);
    // fleet's jump is first; the operator's rules are not fleet's to delete
    expect(await hostSh('cache-1', 'iptables -S DOCKER-USER 1')).toMatch(/ -j FLEET-MIRROR\n$/);
    expect(await hostSh('cache-1', 'iptables -S DOCKER-USER | grep -c pwned')).toBe(planted);
    expect(await statusFrom('outsider')).toBe('000');
    const again = await fleet(dir, ['apply', file, '--json', '--limit', 'cache'], SECRET_ENV);
    expect(summaryOf(again).recap).toMatchObject({ ok: 1, changed: 0 });

    expect((await hostExec('cache-1', 'systemctl restart docker')).code).toBe(0);
    expect(await eventually(containerRunning)).toBe(true);
    expect(await hostSh('cache-1', 'ls /tmp | grep pwned || true')).toBe('');
    expect(await statusFrom('outsider')).toBe('000');

    const removed = await fleet(dir, ['rollback', file, '--cache', '--json'], SECRET_ENV);
    expect(removed.code, removed.stdout).toBe(0);
    expect(await hostSh('cache-1', 'ls /tmp | grep pwned || true')).toBe('');
    expect(await hostSh('cache-1', 'iptables -S DOCKER-USER')).not.toMatch(/ -j FLEET-MIRROR$/m);
    expect(await hostSh('cache-1', 'iptables -S DOCKER-USER | grep -c pwned')).toBe(planted);
  });
});

describe('IPv6', () => {
  it('publishes the mirror on IPv4 only: no IPv6 listener bypasses DOCKER-USER', async () => {
    const { dir, file } = inventory();
    expect((await fleet(dir, ['apply', file, '--limit', 'cache'], SECRET_ENV)).code).toBe(0);
    expect((await hostExec('cache-1', 'curl -gs -m 5 -o /dev/null http://[::1]:80/v2/')).code).not.toBe(0);
    const listeners = await hostSh('cache-1', 'ss -Hltn');
    expect(listeners).not.toMatch(/(\[::\]|\*):80\b/);
    expect(listeners).toMatch(/0\.0\.0\.0:80\b/);
    const bindings = JSON.parse(await hostSh('cache-1', "docker inspect -f '{{json .HostConfig.PortBindings}}' through-cache"));
    expect(bindings).toEqual({ '5000/tcp': [{ HostIp: '0.0.0.0', HostPort: '80' }] });
    expect(readLab().hosts['cache-1']!.address).toBe('10.77.1.1');
  });
});
