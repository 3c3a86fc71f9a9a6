// Live per-host tasks on a terminal. Each phase gets a concurrent listr2 list whose tasks wait
// for their host's events; diffs and the recap are printed once the lists are done so they are
// not redrawn over.
import { Listr } from 'listr2';
import { isTrouble, type HostOutcome } from '../core/outcome.js';
import { visibleStrings } from '../core/terminal-text.js';
import type { RunEvent } from '../runner/events.js';
import { formatFindings, formatNotes, formatRecap, formatVerify } from './recap.js';
import type { Reporter } from './reporter.js';

interface HostTask {
  setOutput?: (text: string) => void;
  done: Promise<HostOutcome>;
  resolve: (outcome: HostOutcome) => void;
}

export class ListrReporter implements Reporter {
  private readonly tasks = new Map<string, HostTask>();
  private chain: Promise<void> = Promise.resolve();
  private readonly after: string[] = [];

  handle(raw: RunEvent): void {
    const event = visibleStrings(raw, ['diff']); // host text never drives the terminal
    switch (event.type) {
      case 'phase':
        this.startPhase(event.name, event.hosts);
        return;
      case 'host-step':
        this.tasks.get(event.host)?.setOutput?.(event.step);
        return;
      case 'host-change':
        this.tasks.get(event.host)?.setOutput?.(event.change);
        if (event.diff) this.after.push(`[${event.host}] ${event.change}\n${event.diff}`);
        return;
      case 'warning':
        this.after.push(`${event.host ? `[${event.host}] ` : ''}WARNING: ${event.message}\n`);
        return;
      case 'verify':
        this.after.push(formatVerify(event.ok, event.message));
        return;
      case 'host-done':
        if (event.outcome.findings?.length) this.after.push(formatFindings(event.outcome));
        this.tasks.get(event.outcome.host)?.resolve(event.outcome);
        return;
      case 'run-done':
        this.chain = this.chain.then(() => {
          for (const text of this.after) process.stdout.write(text);
          process.stdout.write(formatRecap(event.outcomes, event.recap, event.problems, event.command, event.shard) + formatNotes(event.notes));
        });
        return;
      case 'run-start':
        return;
    }
  }

  private startPhase(name: string, hosts: readonly string[]): void {
    for (const host of hosts) {
      let resolve!: (o: HostOutcome) => void;
      const done = new Promise<HostOutcome>((r) => (resolve = r));
      this.tasks.set(host, { done, resolve });
    }
    const list = new Listr(
      hosts.map((host) => ({
        title: host,
        task: async (_ctx: unknown, task: { output: string; title: string; skip: (m: string) => void }) => {
          const entry = this.tasks.get(host)!;
          entry.setOutput = (text) => (task.output = text);
          const outcome = await entry.done;
          task.title = `${host}: ${outcome.status}: ${outcome.message}`;
          if (outcome.status === 'skipped') task.skip(`${host}: skipped: ${outcome.message}`);
          if (isTrouble(outcome) || outcome.status === 'drift') throw new Error(`${host}: ${outcome.status}: ${outcome.message}`);
        },
      })),
      { concurrent: true, exitOnError: false, rendererOptions: { collapseErrors: false } },
    );
    this.chain = this.chain.then(async () => {
      process.stdout.write(`${name}\n`);
      await list.run().catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await this.chain;
  }
}
