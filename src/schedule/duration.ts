// --every DURATION: parsing, and what each scheduler can express of it. Pure.
//
// A duration is whole units, largest first: 30m, 6h, 1d, 1h30m, 90s (w d h m s). systemd takes any
// interval of a minute or more; cron (and CircleCI, which speaks POSIX cron) only what repeats
// evenly within an hour, a day or a week, at whole minutes. What a format cannot express is
// refused with the list of values that work, never rounded to something close.
import { UsageError } from '../core/errors.js';

const UNIT_SECONDS = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const DURATION = /^(?:(\d{1,6})w)?(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/;

export const MIN_SECONDS = 60;
export const MAX_SECONDS = 365 * 86_400;

/** Parse a duration into seconds. Throws UsageError naming the flag and what is accepted. */
export function parseDuration(text: string, flag = '--every'): number {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === '') {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: not a duration; write whole units, largest first, e.g. 30m, 1h, 6h, 1d, 1h30m (units: w d h m s)`);
  }
  const units = Object.values(UNIT_SECONDS);
  const seconds = match.slice(1).reduce((sum, n, i) => sum + (n ? Number(n) * (units[i] as number) : 0), 0);
  if (seconds < MIN_SECONDS) {
    throw new UsageError(`${flag} ${text}: at least 1m (each check contacts every host; a shorter interval only piles checks up)`);
  }
  if (seconds > MAX_SECONDS) throw new UsageError(`${flag} ${text}: at most 365d`);
  return seconds;
}

/** Canonical short form, e.g. 5400 -> "1h30m", 604800 -> "7d". */
export function formatDuration(seconds: number): string {
  return spell(seconds, [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]], '');
}

/** systemd time span, e.g. 5400 -> "1h 30min" (see systemd.time(7)). */
export function systemdTimespan(seconds: number): string {
  return spell(seconds, [['d', 86_400], ['h', 3_600], ['min', 60], ['s', 1]], ' ');
}

function spell(seconds: number, units: ReadonlyArray<readonly [string, number]>, sep: string): string {
  const parts: string[] = [];
  let rest = Math.round(seconds);
  for (const [name, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
    }
  }
  return parts.length ? parts.join(sep) : `0${units[units.length - 1]?.[0] ?? 's'}`;
}

/** A calendar cadence: what cron-style schedulers can express. */
export type Cadence =
  | { readonly kind: 'minutes'; readonly step: number }
  | { readonly kind: 'hours'; readonly step: number }
  | { readonly kind: 'daily' }
  | { readonly kind: 'weekly' };

const MINUTE_STEPS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
const HOUR_STEPS = [1, 2, 3, 4, 6, 8, 12];

/** Every --every value a calendar scheduler accepts, for error messages and docs. */
export const CALENDAR_VALUES: readonly string[] = [...MINUTE_STEPS.map((m) => `${m}m`), ...HOUR_STEPS.map((h) => `${h}h`), '1d', '7d'];

/**
 * The cadence for a calendar scheduler (cron, CircleCI), or a UsageError saying why not and
 * listing what works. `scheduler` names it in the message ("cron", "CircleCI").
 */
export function calendarCadence(seconds: number, scheduler: string): Cadence {
  const minutes = seconds / 60;
  if (MINUTE_STEPS.includes(minutes)) return { kind: 'minutes', step: minutes };
  if (HOUR_STEPS.includes(minutes / 60)) return { kind: 'hours', step: minutes / 60 };
  if (seconds === 86_400) return { kind: 'daily' };
  if (seconds === 604_800) return { kind: 'weekly' };
  const why = Number.isInteger(minutes)
    ? `${scheduler} repeats evenly within an hour, a day or a week only`
    : `${scheduler} runs at whole minutes`;
  throw new UsageError(
    `--every ${formatDuration(seconds)} cannot be expressed in ${scheduler}: ${why}. ` +
      `Valid values: ${CALENDAR_VALUES.join(' ')}. (--format systemd takes any interval of 1m or more.)`,
  );
}
