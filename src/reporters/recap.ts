import type { HostOutcome, Recap } from '../core/outcome.js';

/** PLAY RECAP-style table: one line per host, then totals. */
export function formatRecap(outcomes: readonly HostOutcome[], recap: Recap, problems: readonly string[] = []): string {
  const width = Math.max(4, ...outcomes.map((o) => o.host.length));
  const lines = ['', 'RECAP'];
  for (const o of outcomes) {
    lines.push(`${o.host.padEnd(width)} : ${o.status.padEnd(11)} ${o.message}${o.restored ? ' [restored]' : ''}`);
  }
  lines.push(`${'total'.padEnd(width)} : ok=${recap.ok} changed=${recap.changed} failed=${recap.failed} unreachable=${recap.unreachable} skipped=${recap.skipped}`);
  for (const problem of problems) lines.push(`RUN FAILED: ${problem}`);
  return `${lines.join('\n')}\n`;
}

/** The --verify-pull result line. */
export function formatVerify(ok: boolean, message: string): string {
  return `verify-pull: ${ok ? 'OK' : 'FAILED'}: ${message}\n`;
}
