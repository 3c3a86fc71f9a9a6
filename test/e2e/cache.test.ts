// fleet apply provisioning the pull-through cache on cache-1: a real registry container under a
// real dockerd, real iptables in the host's namespace, the lab's "hub" registry as upstream.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fleet, labInventory, summaryOf } from './fleet.js';
import { hostExec, hostSh, readLab, resetClients, resetHost } from './lab.js';

const TOKEN = 'dckr_pat_e2e-very-secret-7f3a9';
const SECRET_ENV = { HUB_USER: 'e2e-user', HUB_TOKEN: TOKEN };
const credentials = { registry_proxy_username: '{{ env.HUB_USER }}', registry_proxy_password: '{{ env.HUB_TOKEN }}' };

/**
 * The token and the unkeyed hashes of it an attacker could test passwords against offline: of the
 * token itself, and of the env file and spec label older versions of fleet derived from it.
 */
function secretTraces(token: string): string[] {
  const hex = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('hex');
  const lab = readLab();
  const envFile = `REGISTRY_PROXY_REMOTEURL=${lab.hubUrl}\nREGISTRY_STORAGE_DELETE_ENABLED=true\nREGISTRY_PROXY_USERNAME=${SECRET_ENV.HUB_USER}\nREGISTRY_PROXY_PASSWORD=${token}\n`;
  const oldLabel = hex('sha256', JSON.stringify(['through-cache', 'registry:2', 80, '/var/lib/fleet/registry', envFile])).slice(0, 32);
  return [token, Buffer.from(token).toString('base64'), hex('sha256', token), hex('sha1', token), hex('md5', token), hex('sha256', envFile), oldLabel];
}

function expectNoTrace(text: string, token: string, where: string): void {
  for (const trace of secretTraces(token)) expect(text.includes(trace), `${where} holds ${trace === token ? 'the token' : `a hash of the token (${trace})`}`).toBe(false);
}

function containerId(): Promise<string> {
  return hostSh('cache-1', "docker inspect -f '{{.Id}}' through-cache").then((s) => s.trim());
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Sample every process's argv on the control node and on cache-1 while `work` runs. */
async function watchProcessArgs(work: () => Promise<unknown>): Promise<string> {
  let seen = '';
  let running = true;
  const sample = async () => {
    while (running) {
      seen += (await hostExec('cache-1', 'ps -eo args')).stdout;
      seen += await new Promise<string>((resolve) => {
        let out = '';
        const ps = spawn('ps', ['-eo', 'args']);
        ps.stdout.on('data', (d) => (out += d));
        ps.on('close', () => resolve(out));
      });
    }
  };
  const sampler = sample();
  try {
    await work();
  } finally {
    running = false;
    await sampler;
  }
  return seen;
}

beforeAll(async () => {
  await resetHost('cache-1');
  await resetClients();
}, 120_000);

describe('fleet apply with a cache host', () => {
  let dir: string;
  let file: string;

  it('provisions the cache, firewalls it, points clients at it, and a pull goes through it; no secret leaks', async () => {
    ({ dir, file } = labInventory({ withCache: true, vars: credentials }));
    let result: Awaited<ReturnType<typeof fleet>> | undefined;
    const argsSeen = await watchProcessArgs(async () => {
      result = await fleet(dir, ['apply', file, '--json', '--diff', '--verify-pull', 'busybox'], SECRET_ENV);
    });
    expect(result!.code, result!.stdout + result!.stderr).toBe(0);
    expect(summaryOf(result!).recap).toMatchObject({ changed: 4, failed: 0 });
    expect(result!.stdout).toMatch(/"type":"verify","ok":true/);

    // the cache really holds what a client pulled through it
    const catalog = await hostSh('client-1', 'curl -fsS http://10.77.1.1/v2/_catalog');
    expect(JSON.parse(catalog).repositories).toContain('library/busybox');
    // container as specified
    const spec = await hostSh('cache-1', "docker inspect -f '{{.HostConfig.RestartPolicy.Name}} {{json .HostConfig.PortBindings}}' through-cache");
    expect(spec).toMatch(/^always .*"5000\/tcp":\[\{"HostIp":"0.0.0.0","HostPort":"80"\}\]/);
    // secrets: only in a root-only file on the host, read-only in the container; neither they nor
    // an unkeyed hash of them in output, argv, the journal or what `docker inspect` shows
    expect(await hostSh('cache-1', 'stat -c "%a %U" /etc/fleet/through-cache.yml')).toBe('600 root\n');
    expect(await hostSh('cache-1', 'grep -c "password" /etc/fleet/through-cache.yml')).toBe('1\n');
    expect(await hostSh('cache-1', "docker inspect -f '{{range .Mounts}}{{.Destination}} {{.RW}}{{println}}{{end}}' through-cache")).toContain('/etc/fleet/through-cache.yml false');
    expectNoTrace(await hostSh('cache-1', 'docker inspect through-cache'), TOKEN, 'docker inspect');
    expectNoTrace(result!.stdout + result!.stderr, TOKEN, 'fleet output');
    expectNoTrace(argsSeen, TOKEN, 'process arguments');
    for (const f of filesUnder(join(dir, '.fleet'))) expectNoTrace(readFileSync(f, 'utf8'), TOKEN, f);
    expect(statSync(join(dir, '.fleet')).mode & 0o077).toBe(0);
  });

  it('lets clients reach the mirror port and refuses everyone else', async () => {
    expect((await hostExec('client-3', 'curl -s -m 5 -o /dev/null -w %{http_code} http://10.77.1.1/v2/')).stdout).toBe('200');
    const outsider = await hostExec('outsider', 'curl -s -m 5 -o /dev/null -w %{http_code} http://10.77.1.1/v2/');
    expect(outsider.code).not.toBe(0);
    expect(outsider.stdout).toBe('000');
  });

  it('changes nothing on a second apply: same container, no duplicate rule', async () => {
    const id = await containerId();
    const rules = await hostSh('cache-1', 'iptables -S DOCKER-USER; iptables -S FLEET-MIRROR');
    const result = await fleet(dir, ['apply', file, '--json'], SECRET_ENV);
    expect(result.code).toBe(0);
    expect(summaryOf(result).recap).toMatchObject({ ok: 4, changed: 0 });
    expect(await containerId()).toBe(id);
    expect(await hostSh('cache-1', 'iptables -S DOCKER-USER; iptables -S FLEET-MIRROR')).toBe(rules);
  });

  it('puts the rules back when docker restarts (docker.service drop-in)', async () => {
    await hostSh('cache-1', 'iptables -F FLEET-MIRROR && iptables -D DOCKER-USER 1 && systemctl restart docker');
    expect(await hostSh('cache-1', 'iptables -S DOCKER-USER')).toMatch(/fleet-mirror/);
    expect((await hostExec('outsider', 'curl -s -m 5 http://10.77.1.1/v2/')).code).not.toBe(0);
  });

  it('revokes a client removed from the inventory and admits extra CIDRs', async () => {
    const lab = readLab();
    const narrowed = labInventory({ withCache: true, vars: { ...credentials, mirror_allow_cidrs: [`${lab.hosts.outsider!.address}/32`] } });
    const result = await fleet(narrowed.dir, ['apply', narrowed.file, '--json', '--limit', 'cache'], SECRET_ENV);
    expect(result.code, result.stdout).toBe(0);
    expect((await hostExec('outsider', 'curl -s -m 5 -o /dev/null -w %{http_code} http://10.77.1.1/v2/')).stdout).toBe('200');
    const back = await fleet(dir, ['apply', file, '--json', '--limit', 'cache'], SECRET_ENV);
    expect(back.code).toBe(0);
    expect((await hostExec('outsider', 'curl -s -m 5 http://10.77.1.1/v2/')).code).not.toBe(0);
  });

  it('recreates the container when the upstream changes, keeping the cached data', async () => {
    const id = await containerId();
    const lab = readLab();
    const changed = labInventory({ withCache: true, vars: { ...credentials, registry_proxy_remoteurl: lab.mirrorUrl } });
    const result = await fleet(changed.dir, ['apply', changed.file, '--json'], SECRET_ENV);
    expect(result.code, result.stdout).toBe(0);
    expect(await containerId()).not.toBe(id);
    expect(await hostSh('cache-1', 'grep remoteurl /etc/fleet/through-cache.yml')).toContain(`"${lab.mirrorUrl}"`);
    const catalog = await hostSh('client-2', 'curl -fsS http://10.77.1.1/v2/_catalog');
    expect(JSON.parse(catalog).repositories).toContain('library/busybox');
  });

  it('recreates the container when the password is rotated, keeping the data; no trace of either token', async () => {
    const id = await containerId();
    const rotated = 'dckr_pat_rotated-"quoted" $HOME #not-a-comment';
    let result: Awaited<ReturnType<typeof fleet>> | undefined;
    const argsSeen = await watchProcessArgs(async () => {
      result = await fleet(dir, ['apply', file, '--json', '--limit', 'cache'], { ...SECRET_ENV, HUB_TOKEN: rotated });
    });
    expect(result!.code, result!.stdout).toBe(0);
    expect(await containerId()).not.toBe(id);
    for (const token of [TOKEN, rotated]) {
      expectNoTrace(argsSeen, token, 'process arguments');
      expectNoTrace(await hostSh('cache-1', 'docker inspect through-cache'), token, 'docker inspect');
    }
    // the registry parsed the quoted password and serves what it cached before
    const catalog = await hostSh('client-2', 'curl -fsS http://10.77.1.1/v2/_catalog');
    expect(JSON.parse(catalog).repositories).toContain('library/busybox');
    const back = await fleet(dir, ['apply', file, '--json', '--limit', 'cache'], SECRET_ENV);
    expect(summaryOf(back).recap).toMatchObject({ changed: 1 });
  });

  it('skips every client when the cache never becomes healthy', async () => {
    await resetClients();
    // a container that is not a registry: it never answers GET /v2/
    await hostSh('cache-1', 'docker rm -f through-cache >/dev/null 2>&1; docker tag busybox:latest fake-registry:1');
    const brokenVars = labInventory({ withCache: true, vars: { ...credentials, registry_image: 'fake-registry:1' } });
    const result = await fleet(brokenVars.dir, ['apply', brokenVars.file, '--json'], SECRET_ENV);
    expect(result.code).toBe(4);
    const summary = summaryOf(result);
    expect(summary.recap.changed + summary.recap.failed).toBeGreaterThan(0);
    expect(summary.hosts.filter((h) => h.host.startsWith('client')).every((h) => h.status === 'skipped')).toBe(true);
    expect(await hostExec('client-1', 'grep -c registry-mirrors /etc/docker/daemon.json')).toMatchObject({ code: 1 });
  });
});
