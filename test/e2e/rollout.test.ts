// Rolling rollouts on the real lab fleet: a failing canary stops the rollout, a host whose Docker
// does not take the change is restored, --retry does only the failed hosts, and a host that
// drops off the network mid-run ends within the keepalive bound. Nothing here is mocked: the
// failures are made inside the hosts themselves (a `systemctl` wrapper earlier on root's PATH,
// the host's own network link taken down).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fleet, labInventory, statusOf, summaryOf } from './fleet.js';
import { activeMirrors, fileState, hostExec, hostSh, readLab, resetClients } from './lab.js';

const WRAPPER = '/usr/local/sbin/systemctl';

/** Put a `systemctl` wrapper before the lab's stand-in on root's PATH, on one host only:
 *  `action` runs first when systemctl is called with `verb` (reload, restart). */
async function wrapSystemctl(host: string, action: string, verb = 'reload'): Promise<void> {
  const script = ['#!/bin/sh', `# test wrapper: changes what \`systemctl ${verb} docker\` does`, `if [ "$1" = ${verb} ]; then ${action}; fi`, 'exec /usr/bin/systemctl "$@"', ''].join('\n');
  await hostSh(host, `cat > ${WRAPPER} && chmod 755 ${WRAPPER}`, script);
}

/** Shell that fails the first call only (after running `first`), as systemd reports a failed job. */
function failOnce(first = ':'): string {
  return `if [ ! -e /run/fleet-test-failed ]; then touch /run/fleet-test-failed; ${first}; echo "Job for docker.service failed (test)" >&2; exit 1; fi`;
}

function eventsOf(stdout: string): Array<Record<string, unknown>> {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

function hostOf(result: Parameters<typeof summaryOf>[0], host: string) {
  return summaryOf(result).hosts.find((h) => h.host === host) as { status: string; message: string; restored?: boolean } | undefined;
}

beforeEach(async () => {
  await resetClients();
}, 60_000);

afterEach(async () => {
  for (const host of ['client-1', 'client-2', 'client-3']) {
    await hostSh(host, `rm -f ${WRAPPER} /run/fleet-test-*; ip link set eth0 up`);
  }
});

describe('rolling rollout', () => {
  it('a failing canary stops the rollout with later hosts untouched; --retry then does only the failed host', async () => {
    await hostSh('client-1', 'cat > /etc/docker/daemon.json', '{"log-driver": "json-file",, oops\n');
    const later = ['client-2', 'client-3'];
    const before = await Promise.all(later.map((h) => fileState(h)));
    const { dir, file } = labInventory();

    const result = await fleet(dir, ['apply', file, '--serial', '1', '--json']);
    expect(result.code, result.stderr).toBe(4);
    expect(statusOf(result, 'client-1')).toBe('failed');
    for (const host of later) {
      expect(statusOf(result, host)).toBe('skipped');
      expect(hostOf(result, host)!.message).toMatch(/^not attempted: rollout stopped after batch 1 of 3: 1 of 1 host\(s\) failed .*first batch without --max-fail-percent/);
    }
    expect(summaryOf(result).problems).toEqual([expect.stringMatching(/^rollout stopped after batch 1 of 3/)]);
    const events = eventsOf(result.stdout);
    expect(events.filter((e) => e.type === 'phase').map((e) => e.name)).toEqual(['cache', 'clients (batch 1/3)', 'clients (not attempted: rollout stopped)']);
    expect(events.some((e) => e.type === 'host-step' && e.host !== 'client-1')).toBe(false); // never even connected
    expect(await Promise.all(later.map((h) => fileState(h)))).toEqual(before);

    await hostSh('client-1', 'cat > /etc/docker/daemon.json', '{"log-driver": "json-file"}\n');
    const retry = await fleet(dir, ['apply', file, '--retry', '--json']);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stderr).toMatch(/retrying client-1 \(failed or unreachable in run /);
    expect(summaryOf(retry).hosts.map((h) => [h.host, h.status])).toEqual([['client-1', 'changed']]);
    expect(await activeMirrors('client-1')).toEqual([`${readLab().mirrorUrl}/`]);
    expect(await Promise.all(later.map((h) => fileState(h)))).toEqual(before);

    const nothing = await fleet(dir, ['apply', file, '--retry']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/--retry: nothing to retry: no host failed or was unreachable in the last apply/);
  });

  it('restores a host whose Docker does not take the change, and does the others', async () => {
    const original = await hostSh('client-1', 'cat /etc/docker/daemon.json');
    // client-1: the reload fails once (the restore's reload then works);
    // client-2: the reload "succeeds" but dockerd never re-reads its file, so docker info never shows the mirror.
    await wrapSystemctl('client-1', failOnce());
    await wrapSystemctl('client-2', 'exit 0');
    const { dir, file } = labInventory();

    // --settle-timeout bounds the wait for a daemon that never shows the mirror (default 30 s).
    const result = await fleet(dir, ['apply', file, '--json', '--settle-timeout', '5']);
    expect(result.code).toBe(4);
    expect(hostOf(result, 'client-1')).toMatchObject({ status: 'failed', restored: true });
    expect(hostOf(result, 'client-1')!.message).toMatch(/reload docker failed \(exit 1\): Job for docker.service failed \(test\); previous \/etc\/docker\/daemon.json restored and applied/);
    expect(hostOf(result, 'client-2')).toMatchObject({ status: 'failed', restored: true });
    expect(hostOf(result, 'client-2')!.message).toMatch(/verification failed: expected mirrors .* within 5 s, .*; previous \/etc\/docker\/daemon.json restored/);
    expect(statusOf(result, 'client-3')).toBe('changed');

    expect(await hostSh('client-1', 'cat /etc/docker/daemon.json')).toBe(original);
    expect((await hostExec('client-2', 'test -e /etc/docker/daemon.json')).code).toBe(1); // it had none
    for (const host of ['client-1', 'client-2']) expect(await activeMirrors(host)).toEqual([]);
    expect(await activeMirrors('client-3')).toEqual([`${readLab().mirrorUrl}/`]);
  });

  it('restores a host whose Docker does not come back after --restart', async () => {
    const original = await hostSh('client-1', 'cat /etc/docker/daemon.json');
    // The first restart stops dockerd and fails, as when dockerd refuses its new configuration.
    await wrapSystemctl('client-1', failOnce('/usr/bin/systemctl stop docker'), 'restart');
    const { dir, file } = labInventory();
    const result = await fleet(dir, ['apply', file, '--json', '--restart', '--limit', 'client-1']);
    expect(result.code).toBe(4);
    expect(hostOf(result, 'client-1')).toMatchObject({ status: 'failed', restored: true });
    expect(hostOf(result, 'client-1')!.message).toMatch(/restart docker failed \(exit 1\).*; previous \/etc\/docker\/daemon.json restored and applied/);
    expect(await hostSh('client-1', 'cat /etc/docker/daemon.json')).toBe(original);
    expect(await activeMirrors('client-1')).toEqual([]); // docker info answers: dockerd is back
  });

  it('a host that drops off the network mid-run fails within the keepalive bound; the others succeed', async () => {
    // client-3 takes its own link down in the middle of fleet's reload command.
    await wrapSystemctl('client-3', 'ip link set eth0 down');
    const { dir, file } = labInventory();
    const started = Date.now();
    // keepalive every 2 s, 3 unanswered: the host is dropped ~8 s after it goes silent (generous
    // enough for a loaded test machine); the command timeout (120 s) is far beyond the time allowed.
    const result = await fleet(dir, ['apply', file, '--json', '--keepalive-interval', '2', '--keepalive-count', '3']);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(60);
    expect(result.code).toBe(4);
    expect(statusOf(result, 'client-1')).toBe('changed');
    expect(statusOf(result, 'client-2')).toBe('changed');
    const dropped = hostOf(result, 'client-3')!;
    expect(dropped.status).toBe('failed');
    expect(dropped.message).toMatch(/connection to client-3 lost during 'reload docker': no response to keepalives/);
    expect(dropped.restored).toBe(false);

    await hostSh('client-3', `rm -f ${WRAPPER}; ip link set eth0 up`);
    const retry = await fleet(dir, ['apply', file, '--retry', '--json']);
    expect(retry.code, retry.stderr).toBe(0);
    expect(summaryOf(retry).hosts.map((h) => h.host)).toEqual(['client-3']);
  });

  it('rollback --serial stops at a failing canary too, keeping the others on the mirror', async () => {
    const { dir, file } = labInventory();
    expect((await fleet(dir, ['apply', file])).code).toBe(0);
    await hostSh('client-1', 'printf "{ broken" > /etc/docker/daemon.json');
    const before = await Promise.all(['client-2', 'client-3'].map((h) => fileState(h)));
    const result = await fleet(dir, ['rollback', file, '--serial', '1', '--json']);
    expect(result.code).toBe(4);
    expect(summaryOf(result).hosts.map((h) => [h.host, h.status])).toEqual([
      ['client-1', 'failed'],
      ['client-2', 'skipped'],
      ['client-3', 'skipped'],
    ]);
    expect(await Promise.all(['client-2', 'client-3'].map((h) => fileState(h)))).toEqual(before);
    expect(await activeMirrors('client-2')).toEqual([`${readLab().mirrorUrl}/`]);
  });
});
