// --json: NDJSON, one event per line, the last line being the run summary. Nothing else goes to
// stdout. Secret values serialise as "***" (Secret.toJSON), and events never carry them anyway.
import type { RunEvent } from '../runner/events.js';
import type { Reporter } from './reporter.js';

export class JsonReporter implements Reporter {
  constructor(private readonly out: (text: string) => void = (t) => process.stdout.write(t)) {}

  handle(event: RunEvent): void {
    if (event.type === 'run-done') {
      this.out(`${JSON.stringify({ type: 'summary', runId: event.runId, recap: event.recap, problems: event.problems, hosts: event.outcomes, durationMs: event.durationMs, journal: event.journal, shard: event.shard })}\n`);
      return;
    }
    this.out(`${JSON.stringify({ ...event, time: new Date().toISOString() })}\n`);
  }

  async close(): Promise<void> {}
}
