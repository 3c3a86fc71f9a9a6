// For output that is produced after the run as a whole (fleet check --json): no live events.
import type { Reporter } from './reporter.js';

export class SilentReporter implements Reporter {
  handle(): void {}
  async close(): Promise<void> {}
}
