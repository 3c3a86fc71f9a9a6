import type { HostOutcome, Recap } from '../core/outcome.js';
import { formatShard, type Shard } from '../inventory/shard.js';
import type { CommandName } from '../runner/events.js';

/** PLAY RECAP-style table: one line per host, then totals. check speaks of "in sync" and drift. */
export function formatRecap(outcomes: readonly HostOutcome[], recap: Recap, problems: readonly string[] = [], command?: CommandName, shard?: Shard): string {
  const check = command === 'check';
  const width = Math.max(5, ...outcomes.map((o) => o.host.length));
  const lines = ['', shard ? `RECAP (shard ${formatShard(shard)}: only this slice of the hosts)` : 'RECAP'];
  for (const o of outcomes) {
    const status = check && o.status === 'ok' ? 'in-sync' : o.status;
    lines.push(`${o.host.padEnd(width)} : ${status.padEnd(11)} ${o.runtime ? `[${o.runtime}] ` : ''}${o.message}${o.restored ? ' [restored]' : ''}`);
  }
  const totals = check
    ? `in-sync=${recap.ok} drift=${recap.drift} failed=${recap.failed} unreachable=${recap.unreachable}`
    : `ok=${recap.ok} changed=${recap.changed} failed=${recap.failed} unreachable=${recap.unreachable} skipped=${recap.skipped}`;
  lines.push(`${'total'.padEnd(width)} : ${totals}`);
  for (const problem of problems) lines.push(`RUN FAILED: ${problem}`);
  return `${lines.join('\n')}\n`;
}

/** A host's check findings, one block each: what, expected, found, and how to fix it. */
export function formatFindings(outcome: HostOutcome): string {
  return (outcome.findings ?? [])
    .map((f) => `[${outcome.host}] ${f.severity.toUpperCase()} ${f.kind}: ${f.subject}\n    expected: ${f.expected}\n    found:    ${f.found}\n    fix:      ${f.fix}\n`)
    .join('');
}

export function formatNotes(notes: readonly string[] | undefined): string {
  return (notes ?? []).map((n) => `${n}\n`).join('');
}

/** The --verify-pull result line. */
export function formatVerify(ok: boolean, message: string): string {
  return `verify-pull: ${ok ? 'OK' : 'FAILED'}: ${message}\n`;
}
