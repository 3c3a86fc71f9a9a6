// The converge engine's restore path, through the fake transport: a failure after files were
// written puts every file back, the last written first, and applies daemon.json again.
import { describe, expect, it } from 'vitest';
import type { ClientSettings, Host } from '../../src/inventory/model.js';
import { applyClient } from '../../src/runner/apply-client.js';
import type { RunEvent } from '../../src/runner/events.js';
import { HostShell } from '../../src/runner/host-shell.js';
import { BOOT_HOOK_FACT_ARGS } from '../../src/modules/boot-hook/files.js';
import { DAEMON_JSON, FakeDockerClient } from './fake-docker-client.js';
import { FakeTransport, stdinText, type Rule } from './fake-transport.js';

const MIRROR = 'http://10.0.0.5';
const ORIGINAL = '{\n  "log-driver": "json-file"\n}\n';
const host = { name: 'client-1', groups: ['clients'], vars: {}, ssh: { name: 'client-1', address: '10.0.0.11', port: 22, user: 'u' }, become: false } satisfies Host;

async function apply(client: FakeDockerClient, settings: Partial<ClientSettings>, overrides: Rule[]) {
  const transport = new FakeTransport({ 'client-1': client.rules(overrides) });
  const shell = new HostShell(await transport.connect(host.ssh), false);
  const events: RunEvent[] = [];
  const options = { dryRun: false, diff: false, restart: false, runId: 'run1', settleTimeoutMs: 2_000 };
  const outcome = await applyClient(host, { daemonJsonPath: DAEMON_JSON, mirrors: [MIRROR], cacheMirrors: [MIRROR], bootHook: false, ...settings }, shell, options, (e) => events.push(e));
  return { outcome, labels: transport.host('client-1').labels(), events };
}

describe('converge: restore after a failure', () => {
  it('a failing reload after daemon.json was written: the mirrors cleared with [] first, then the original put back', async () => {
    const client = new FakeDockerClient(ORIGINAL);
    const { outcome, labels } = await apply(client, {}, [{ match: 'reload docker', times: 1, reply: { exitCode: 1, stderr: 'Job for docker.service failed' } }]);

    expect(outcome).toMatchObject({ status: 'failed', restored: true });
    expect(outcome.message).toMatch(/^reload docker failed \(exit 1\): Job for docker.service failed; previous \/etc\/docker\/daemon.json restored and applied$/);
    expect(labels).toEqual([
      'detect the container runtime + read facts',
      `write ${DAEMON_JSON}`, // the mirrors
      'reload docker', // fails
      `write ${DAEMON_JSON}`, // "registry-mirrors": [] so a reload drops them
      'reload docker',
      'read active mirrors',
      `write ${DAEMON_JSON}`, // the original
    ]);
    expect(client.files.get(DAEMON_JSON)).toBe(ORIGINAL);
    expect(client.active).toEqual([]);
  });

  it('files are put back in reverse order (new ones removed), and a best-effort daemon-reload failure is only reported', async () => {
    const client = new FakeDockerClient(ORIGINAL);
    const { outcome, labels } = await apply(client, { bootHook: true }, [{ match: 'systemctl daemon-reload', reply: { exitCode: 1, stderr: 'Failed to reload daemon' } }]);

    expect(outcome).toMatchObject({ status: 'failed', restored: true });
    expect(outcome.message).toMatch(/^systemctl daemon-reload failed .*; previous .*restored and applied; systemd not reloaded \(systemctl daemon-reload failed/);
    const { scriptPath, dropInPath } = BOOT_HOOK_FACT_ARGS;
    const writesAndRemovals = labels.filter((l) => /^(write|remove) /.test(l));
    expect(writesAndRemovals).toEqual([
      `write ${DAEMON_JSON}`, `write ${scriptPath}`, `write ${dropInPath}`, // the run
      `remove ${dropInPath}`, `remove ${scriptPath}`, // the last written first; they did not exist
      `write ${DAEMON_JSON}`, `write ${DAEMON_JSON}`, // cleared, then the original
    ]);
    expect([...client.files.keys()]).toEqual([DAEMON_JSON]);
    expect(client.files.get(DAEMON_JSON)).toBe(ORIGINAL);
    expect(client.active).toEqual([]);
  });

  it('a failure before anything was written restores nothing and says so by throwing', async () => {
    const client = new FakeDockerClient(ORIGINAL);
    await expect(apply(client, {}, [{ match: `write ${DAEMON_JSON}`, reply: { exitCode: 3, stderr: 'changed since it was read' } }])).rejects.toThrow(/changed since it was read/);
    expect(client.files.get(DAEMON_JSON)).toBe(ORIGINAL);
  });

  it('a restore that fails is reported as RESTORE FAILED, restored false', async () => {
    const client = new FakeDockerClient(ORIGINAL);
    const { outcome } = await apply(client, {}, [
      { match: 'reload docker', times: 1, reply: { exitCode: 1, stderr: 'boom' } },
      { match: `write ${DAEMON_JSON}`, times: 1, reply: (c) => (client.files.set(DAEMON_JSON, stdinText(c)), {}) },
      { match: `write ${DAEMON_JSON}`, reply: { exitCode: 3, stderr: 'changed since it was written' } },
    ]);
    expect(outcome).toMatchObject({ status: 'failed', restored: false });
    expect(outcome.message).toMatch(/RESTORE FAILED \(write \/etc\/docker\/daemon.json failed \(exit 3\): changed since it was written\)/);
  });
});
