// A small crontab(5) reader for tests: the 5 time fields -> the minutes of a week they fire at.
// Accepts numbers, `*`, ranges a-b, steps (`*`/n, a-b/n) and comma lists; rejects anything else.

const RANGES: ReadonlyArray<readonly [number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

export function parseCronField(field: string, index: number): Set<number> {
  const [lo, hi] = RANGES[index] as readonly [number, number];
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`field ${index + 1}: bad element ${JSON.stringify(part)}`);
    const from = m[1] === '*' ? lo : Number(m[2]);
    const to = m[1] === '*' ? hi : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? hi : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < lo || to > hi || from > to || step < 1) throw new Error(`field ${index + 1}: ${part} out of range ${lo}-${hi}`);
    for (let v = from; v <= to; v += step) out.add(index === 4 && v === 7 ? 0 : v);
  }
  return out;
}

/** Minutes since Sunday 00:00 at which a `* * * * *`-style expression fires (day-of-month and month must be `*`). */
export function weeklyFirings(expression: string): number[] {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected 5 fields, got ${fields.length}: ${expression}`);
  const [minutes, hours, dom, months, dows] = fields.map((f, i) => parseCronField(f, i)) as Set<number>[];
  if ((dom as Set<number>).size !== 31 || (months as Set<number>).size !== 12) throw new Error('day of month and month must be *');
  const out: number[] = [];
  for (const d of [...(dows as Set<number>)].sort((a, b) => a - b)) {
    for (const h of [...(hours as Set<number>)].sort((a, b) => a - b)) {
      for (const m of [...(minutes as Set<number>)].sort((a, b) => a - b)) out.push(d * 1440 + h * 60 + m);
    }
  }
  return out;
}

/** Gaps between consecutive firings, wrapping around the week. */
export function gaps(firings: readonly number[]): number[] {
  return firings.map((t, i) => ((firings[(i + 1) % firings.length] as number) - t + 10080) % 10080 || 10080);
}
