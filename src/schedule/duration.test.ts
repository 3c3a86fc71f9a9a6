import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CALENDAR_VALUES, calendarCadence, formatDuration, parseDuration, systemdTimespan } from './duration.js';

describe('parseDuration', () => {
  it('reads whole units, largest first', () => {
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('1d')).toBe(86_400);
    expect(parseDuration('1w')).toBe(604_800);
    expect(parseDuration('1d2h3m4s')).toBe(93_784);
  });

  it('refuses what is not a duration, naming the flag and the syntax', () => {
    for (const bad of ['', '15', 'm', '1.5h', '30m1h', '1 h', '1H', '-5m', '1h 30m', '10min']) {
      expect(() => parseDuration(bad), bad).toThrow(/--every .*not a duration.*30m, 1h/);
    }
  });

  it('refuses intervals under a minute and over a year', () => {
    expect(() => parseDuration('30s')).toThrow(/at least 1m/);
    expect(() => parseDuration('0m')).toThrow(/at least 1m/);
    expect(() => parseDuration('366d')).toThrow(/at most 365d/);
    expect(parseDuration('60s')).toBe(60);
  });
});

describe('formatting', () => {
  it('spells durations canonically', () => {
    expect(formatDuration(5400)).toBe('1h30m');
    expect(formatDuration(604_800)).toBe('7d');
    expect(formatDuration(90)).toBe('1m30s');
    expect(systemdTimespan(5400)).toBe('1h 30min');
    expect(systemdTimespan(93_784)).toBe('1d 2h 3min 4s');
  });

  const analyze = '/usr/bin/systemd-analyze';
  it.skipIf(!existsSync(analyze))('gives time spans systemd reads as the same number of seconds (skipped where systemd-analyze is absent)', () => {
    for (const seconds of [60, 90, 900, 5400, 86_400, 93_784, 604_800]) {
      const r = spawnSync(analyze, ['timespan', systemdTimespan(seconds)], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`μs: ${seconds * 1_000_000}`);
    }
  });
});

describe('calendarCadence', () => {
  it('accepts exactly the intervals that repeat evenly at whole minutes', () => {
    expect(calendarCadence(900, 'cron')).toEqual({ kind: 'minutes', step: 15 });
    expect(calendarCadence(3600, 'cron')).toEqual({ kind: 'hours', step: 1 });
    expect(calendarCadence(6 * 3600, 'cron')).toEqual({ kind: 'hours', step: 6 });
    expect(calendarCadence(86_400, 'cron')).toEqual({ kind: 'daily' });
    expect(calendarCadence(604_800, 'cron')).toEqual({ kind: 'weekly' });
    for (const value of CALENDAR_VALUES) expect(() => calendarCadence(parseDuration(value), 'cron')).not.toThrow();
  });

  it('refuses the rest, saying why and listing the valid values', () => {
    expect(() => calendarCadence(45 * 60, 'cron')).toThrow(/--every 45m cannot be expressed in cron: cron repeats evenly.*Valid values: 1m 2m .* 30m 1h .* 12h 1d 7d.*--format systemd/);
    expect(() => calendarCadence(90, 'cron')).toThrow(/--every 1m30s .*runs at whole minutes/);
    for (const seconds of [7 * 60, 90 * 60, 5 * 3600, 2 * 86_400, 14 * 86_400]) {
      expect(() => calendarCadence(seconds, 'CircleCI'), String(seconds)).toThrow(/cannot be expressed in CircleCI/);
    }
  });
});
