// A 5-field cron expression for a cadence. Pure.
//
// Runs start at a fixed offset derived from a seed (the schedule's name and inventory), like
// Jenkins' `H`: re-rendering gives the same file, and schedules of different fleets do not all
// fire at :00 together. Fields are plain numbers and comma lists (no `*/N`), which is the POSIX
// crontab syntax CircleCI documents and what every cron implementation reads.
import { createHash } from 'node:crypto';
import type { Cadence } from './duration.js';

export interface CronExpression {
  /** "minute hour day-of-month month day-of-week" */
  readonly fields: string;
  /** Human wording, e.g. "at minutes 7,22,37,52 of every hour". */
  readonly describe: string;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function cronExpression(cadence: Cadence, seed: string): CronExpression {
  const digest = createHash('sha256').update(seed).digest();
  const pick = (i: number, modulo: number) => (digest[i] as number) % modulo;
  const minute = pick(0, 60);
  const hour = pick(1, 24);
  const time = `${pad(hour)}:${pad(minute)}`;
  switch (cadence.kind) {
    case 'minutes': {
      if (cadence.step === 1) return { fields: '* * * * *', describe: 'every minute' };
      const minutes = series(pick(0, cadence.step), cadence.step, 60).join(',');
      return { fields: `${minutes} * * * *`, describe: `at minutes ${minutes} of every hour` };
    }
    case 'hours': {
      if (cadence.step === 1) return { fields: `${minute} * * * *`, describe: `at minute ${minute} of every hour` };
      const hours = series(pick(1, cadence.step), cadence.step, 24);
      return {
        fields: `${minute} ${hours.join(',')} * * *`,
        describe: `every ${cadence.step} hours, at ${hours.map((h) => `${pad(h)}:${pad(minute)}`).join(', ')}`,
      };
    }
    case 'daily':
      return { fields: `${minute} ${hour} * * *`, describe: `daily at ${time}` };
    case 'weekly': {
      const day = pick(2, 7);
      return { fields: `${minute} ${hour} * * ${day}`, describe: `weekly on ${DAYS[day]} at ${time}` };
    }
  }
}

function series(start: number, step: number, limit: number): number[] {
  const out: number[] = [];
  for (let n = start; n < limit; n += step) out.push(n);
  return out;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
