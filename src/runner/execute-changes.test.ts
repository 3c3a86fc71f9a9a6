import { describe, expect, it } from 'vitest';
import type { Command, CommandResult } from '../core/command.js';
import { applyDockerConfig, executeChanges } from './execute-changes.js';
import type { HostShell } from './host-shell.js';

/** A host whose dockerd shows the new mirrors only from the `lateBy`-th `docker info` on. */
function slowHost(lateBy: number): { shell: HostShell; infoCalls: () => number } {
  let infos = 0;
  const answer = (command: Command): CommandResult => {
    if (!command.script.startsWith('docker info')) return { exitCode: 0, stdout: '', stderr: '' };
    infos += 1;
    return { exitCode: 0, stdout: infos >= lateBy ? '["http://10.0.0.5/"]\n' : '[]\n', stderr: '' };
  };
  const shell = { run: async (c: Command) => answer(c), runOrThrow: async (c: Command) => answer(c) } as unknown as HostShell;
  return { shell, infoCalls: () => infos };
}

const reload = { kind: 'apply-docker-config', method: 'systemctl-reload', reason: 'test', expectMirrors: ['http://10.0.0.5'] } as const;

describe('applyDockerConfig', () => {
  it('waits for a daemon that re-reads late, as long as the settle timeout allows', async () => {
    const host = slowHost(4);
    await expect(applyDockerConfig('h', reload, host.shell, () => {}, 10_000)).resolves.toBeUndefined();
    expect(host.infoCalls()).toBe(4);
  });

  it('fails, naming what the daemon shows, when the settle timeout runs out first', async () => {
    const host = slowHost(1000);
    await expect(applyDockerConfig('h', reload, host.shell, () => {}, 300)).rejects.toThrow(/expected mirrors \["http:\/\/10\.0\.0\.5"\] within 0\.3 s, daemon shows mirrors \[\]/);
  });
});

describe('restart-unit', () => {
  const restart = { kind: 'restart-unit', unit: 'containerd', ready: { script: 'ctr version', label: 'containerd answers' }, reason: 'test' } as const;

  /** A host whose service answers its ready command from the `answersFrom`-th try on. */
  function restartingHost(answersFrom: number) {
    const scripts: string[] = [];
    let tries = 0;
    const answer = (command: Command): CommandResult => {
      scripts.push(command.label ?? command.script);
      if (command.script !== 'ctr version') return { exitCode: 0, stdout: '', stderr: '' };
      tries += 1;
      return tries >= answersFrom ? { exitCode: 0, stdout: '', stderr: '' } : { exitCode: 1, stdout: '', stderr: 'connection refused' };
    };
    const shell = { run: async (c: Command) => answer(c), runOrThrow: async (c: Command) => answer(c) } as unknown as HostShell;
    return { shell, scripts };
  }

  it('restarts the unit, then waits until the service answers again', async () => {
    const host = restartingHost(3);
    await executeChanges('h', [restart], host.shell, () => {}, undefined, 10_000);
    expect(host.scripts).toEqual(['restart containerd', 'containerd answers', 'containerd answers', 'containerd answers']);
  });

  it('fails, saying what the ready command said, when the service does not answer within the settle timeout', async () => {
    const host = restartingHost(1000);
    await expect(executeChanges('h', [restart], host.shell, () => {}, undefined, 300)).rejects.toThrow('containerd does not answer 0.3 s after its restart: connection refused');
  });
});
