import { describe, expect, it } from 'vitest';
import { gaps, weeklyFirings } from '../../test/unit/cron-fields.js';
import { cronExpression } from './cron-expression.js';
import { CALENDAR_VALUES, calendarCadence, parseDuration } from './duration.js';

describe('cronExpression', () => {
  it('fires at exactly the interval, all week long, for every accepted value', () => {
    for (const seed of ['fleet-check\0/srv/fleet/inventory.yml', 'other\0/x.yml', '']) {
      for (const value of CALENDAR_VALUES) {
        const seconds = parseDuration(value);
        const { fields } = cronExpression(calendarCadence(seconds, 'cron'), seed);
        const spacing = gaps(weeklyFirings(fields));
        expect(new Set(spacing), `${value} -> ${fields}`).toEqual(new Set([seconds / 60]));
      }
    }
  });

  it('uses only plain numbers and comma lists (POSIX crontab, as CircleCI documents)', () => {
    for (const value of CALENDAR_VALUES) {
      const { fields } = cronExpression(calendarCadence(parseDuration(value), 'cron'), 'seed');
      expect(fields).toMatch(/^[0-9,*]+ [0-9,*]+ \* \* [0-9*]+$/);
      expect(fields).not.toContain('/');
    }
  });

  it('is stable for a seed and spreads different seeds', () => {
    const daily = calendarCadence(86_400, 'cron');
    expect(cronExpression(daily, 'a').fields).toBe(cronExpression(daily, 'a').fields);
    const distinct = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((s) => cronExpression(daily, s).fields));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it('describes the times in words', () => {
    const { fields, describe: words } = cronExpression({ kind: 'hours', step: 6 }, 'seed');
    const [minute, hours] = fields.split(' ');
    const first = Number(hours?.split(',')[0]);
    expect(words).toContain(`${String(first).padStart(2, '0')}:${minute?.padStart(2, '0')}`);
    expect(cronExpression({ kind: 'minutes', step: 1 }, 'x')).toEqual({ fields: '* * * * *', describe: 'every minute' });
  });
});
