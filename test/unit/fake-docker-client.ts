// A Docker client for the fake transport: files and the daemon's active mirrors as state, with the
// commands fleet runs on a client (facts, file writes and removals, reloads) acting on that state.
// `overrides` come first, so a test can make one command fail.
import type { Command } from '../../src/core/command.js';
import { BOOT_HOOK_FACT_ARGS } from '../../src/modules/boot-hook/files.js';
import { fileMirrors, parseDaemonJson } from '../../src/modules/docker-daemon/daemon-json.js';
import { sha256 } from '../../src/core/hash.js';
import { b64, combinedOutput, DOCKER_RUNTIME, factsOutput, stdinText, type Rule } from './fake-transport.js';

export const DAEMON_JSON = '/etc/docker/daemon.json';

export class FakeDockerClient {
  readonly files = new Map<string, string>();
  active: readonly string[] = [];

  constructor(daemonJson?: string) {
    if (daemonJson !== undefined) this.files.set(DAEMON_JSON, daemonJson);
  }

  rules(overrides: readonly Rule[] = []): Rule[] {
    return [
      ...overrides,
      { match: 'read facts', reply: () => factsOutput(this.facts()) },
      { match: 'detect the container runtime + read facts', reply: () => combinedOutput({ runtime: DOCKER_RUNTIME, docker: this.facts() }) },
      { match: /^write (.+)$/, reply: (c) => this.write(c) },
      { match: /^remove (.+)$/, reply: (c) => (this.files.delete(pathOf(c)), {}) },
      // A reload makes the daemon use the file's mirrors; a file without the key changes nothing.
      { match: 'reload docker', reply: () => ((this.active = fileMirrors(parseDaemonJson(this.files.get(DAEMON_JSON))) ?? this.active), {}) },
      { match: 'read active mirrors', reply: () => ({ stdout: `${JSON.stringify(this.active)}\n` }) },
      { match: 'systemctl daemon-reload', reply: {} },
    ];
  }

  private write(command: Command) {
    this.files.set(pathOf(command), stdinText(command));
    return {};
  }

  private facts(): Record<string, string> {
    const daemonJson = this.files.get(DAEMON_JSON);
    const hookFile = (key: string, path: string): Record<string, string> => {
      const content = this.files.get(path);
      return content === undefined ? { [`hook.${key}`]: 'absent' } : { [`hook.${key}`]: `sha256 ${sha256(content)}`, [`hook.${key}.content`]: b64(content) };
    };
    const script = this.files.get(BOOT_HOOK_FACT_ARGS.scriptPath);
    const data = script?.split('\n').filter((l) => l.startsWith(BOOT_HOOK_FACT_ARGS.dataPrefix)).join('\n');
    return {
      'file.stat': daemonJson === undefined ? 'absent' : '644 0 0 regular file',
      ...(daemonJson !== undefined ? { 'file.content': b64(daemonJson) } : {}),
      'dockerd.pid': '123',
      'docker.version': '20.10.24',
      'docker.mirrors': JSON.stringify(this.active),
      systemctl: 'yes',
      'unit.state': 'active',
      ...hookFile('script', BOOT_HOOK_FACT_ARGS.scriptPath),
      ...hookFile('dropin', BOOT_HOOK_FACT_ARGS.dropInPath),
      ...(data ? { 'hook.data': b64(data) } : {}),
      'probe.0': 'curl 0 200',
    };
  }
}

function pathOf(command: Command): string {
  return /^(?:write|remove) (.+)$/.exec(command.label ?? '')![1]!;
}
