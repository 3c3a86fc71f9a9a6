import type { RunEvent } from '../runner/events.js';

export interface Reporter {
  handle(event: RunEvent): void;
  /** Wait until everything is printed. */
  close(): Promise<void>;
}

export interface ReporterChoice {
  readonly json: boolean;
  readonly isTTY: boolean;
  readonly ci: boolean;
}

export type ReporterKind = 'json' | 'listr' | 'plain';

/** The one place that decides how a run is shown. */
export function chooseReporterKind(choice: ReporterChoice): ReporterKind {
  if (choice.json) return 'json';
  if (choice.isTTY && !choice.ci) return 'listr';
  return 'plain';
}
