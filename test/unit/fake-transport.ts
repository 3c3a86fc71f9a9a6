// A fake transport for unit tests of the runner: per host, a table of rules matched against each
// command's label (or, for a RegExp, its label and then its script). A rule's reply may be a
// function, so a host can keep state across commands (a file written, then read back). Every
// command is recorded. Nothing matches: exit 127 and the label on stderr, so a test sees it.
import type { Command, CommandResult } from '../../src/core/command.js';
import { ConnectError } from '../../src/core/errors.js';
import type { Connection, SshTarget, Transport } from '../../src/transports/transport.js';

export type Reply = Partial<CommandResult> | ((command: Command) => Partial<CommandResult>);

export interface Rule {
  /** A string is the command's exact label; a RegExp is tried on the label, then on the script. */
  readonly match: string | RegExp;
  readonly reply: Reply;
  /** Match only this many times (then the next rule that matches answers). */
  readonly times?: number;
}

export class FakeHost {
  readonly calls: Command[] = [];
  connects = 0;
  readonly #used = new Map<Rule, number>();

  constructor(
    readonly name: string,
    readonly rules: readonly Rule[],
  ) {}

  /** The labels of the commands run so far, in order. */
  labels(): string[] {
    return this.calls.map((c) => c.label ?? c.script.split('\n')[0]!);
  }

  exec(command: Command): CommandResult {
    this.calls.push(command);
    const rule = this.rules.find((r) => matches(r, command) && (r.times === undefined || (this.#used.get(r) ?? 0) < r.times));
    if (!rule) return { exitCode: 127, stdout: '', stderr: `fake ${this.name}: no rule for ${command.label ?? command.script}` };
    this.#used.set(rule, (this.#used.get(rule) ?? 0) + 1);
    const reply = typeof rule.reply === 'function' ? rule.reply(command) : rule.reply;
    return { exitCode: 0, stdout: '', stderr: '', ...reply };
  }
}

function matches(rule: Rule, command: Command): boolean {
  if (typeof rule.match === 'string') return command.label === rule.match;
  return rule.match.test(command.label ?? '') || rule.match.test(command.script);
}

export class FakeTransport implements Transport {
  readonly hosts = new Map<string, FakeHost>();

  /** `table`: each host's rules; a host given as 'unreachable' refuses every connection. */
  constructor(table: Record<string, readonly Rule[] | 'unreachable'>) {
    for (const [name, rules] of Object.entries(table)) {
      if (rules !== 'unreachable') this.hosts.set(name, new FakeHost(name, rules));
    }
  }

  host(name: string): FakeHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`fake transport: no host ${name}`);
    return host;
  }

  async connect(target: SshTarget): Promise<Connection> {
    const host = this.hosts.get(target.name);
    if (!host) throw new ConnectError(target.name, 'refused', `${target.name}: connection refused (fake)`);
    host.connects += 1;
    return { exec: async (command) => host.exec(command), close: async () => undefined };
  }

  async dispose(): Promise<void> {}
}

/** A facts command's answer: `key=value` lines, as every facts script prints them. */
export function factsOutput(values: Record<string, string>): Partial<CommandResult> {
  return { stdout: Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join('') };
}

export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The answer to a combined facts command (facts/combined.ts): each part's lines, then its exit 0. */
export function combinedOutput(parts: Record<string, Record<string, string>>): Partial<CommandResult> {
  const lines = Object.entries(parts).flatMap(([name, values]) => [...Object.entries(values).map(([k, v]) => `${name}|${k}=${v}`), `${name}|__exit=0`]);
  return { stdout: lines.map((l) => `${l}\n`).join('') };
}

/** The runtime probe of a host that runs dockerd only. */
export const DOCKER_RUNTIME = { dockerd: 'yes', 'dockerd.pid': '123', podman: 'no', containerd: 'no' };

/** What a command sends on stdin, as the transport would write it (a Secret revealed). */
export function stdinText(command: Command): string {
  return typeof command.stdin === 'string' ? command.stdin : command.stdin?.reveal() ?? '';
}
