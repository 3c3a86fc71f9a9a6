// One line per event: for CI logs, pipes and files.
import { visibleStrings } from '../core/terminal-text.js';
import type { RunEvent } from '../runner/events.js';
import { formatFindings, formatNotes, formatRecap, formatVerify } from './recap.js';
import type { Reporter } from './reporter.js';

export class PlainReporter implements Reporter {
  constructor(private readonly out: (text: string) => void = (t) => process.stdout.write(t)) {}

  handle(event: RunEvent): void {
    const line = this.format(visibleStrings(event, ['diff'])); // host text never drives the terminal
    if (line !== undefined) this.out(line);
  }

  private format(event: RunEvent): string | undefined {
    switch (event.type) {
      case 'run-start':
        return `fleet ${event.command}${event.check && event.command !== 'check' ? ' --check' : ''}: ${event.hosts.length} host(s) from ${event.inventory} (run ${event.runId})\n`;
      case 'phase':
        return `== ${event.name}: ${event.hosts.join(', ') || '(none)'}\n`;
      case 'host-step':
        return `[${event.host}] ${event.step}\n`;
      case 'host-change':
        return `[${event.host}] ${event.applied ? 'changed' : 'change'}: ${event.change}\n${event.diff ?? ''}`;
      case 'warning':
        return `${event.host ? `[${event.host}] ` : ''}WARNING: ${event.message}\n`;
      case 'host-done':
        return `[${event.outcome.host}] ${event.outcome.status.toUpperCase()}: ${event.outcome.runtime ? `[${event.outcome.runtime}] ` : ''}${event.outcome.message}\n${formatFindings(event.outcome)}`;
      case 'verify':
        return formatVerify(event.ok, event.message);
      case 'run-done':
        return formatRecap(event.outcomes, event.recap, event.problems, event.command, event.shard) + formatNotes(event.notes) + (event.journal ? `journal: ${event.journal}\n` : '');
    }
  }

  async close(): Promise<void> {}
}
