/**
 * Wall-clock arithmetic on "local seconds": a local date and time written as the number of seconds
 * since 1970-01-01T00:00:00 *in that wall clock* (as if the zone were UTC). Schedules are defined on
 * wall-clock time; keeping it as a plain number lets the hot path step through days and seconds
 * without Date objects or time-zone calls. Zone offsets are applied elsewhere (time-zone.ts).
 */

export const SECONDS_PER_DAY = 86_400;

/** Floor division that also works for negative numbers (instants before 1970). */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Day number (days since 1970-01-01) of a local-seconds value. */
export function dayOf(localSeconds: number): number {
  return Math.floor(localSeconds / SECONDS_PER_DAY);
}

/** Weekday of a day number, 0 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** Day number of a proleptic Gregorian date; month is 1–12. (H. Hinnant's days_from_civil.) */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Date of a day number, packed as `year << 9 | month << 5 | day` (month 1–12) so the hot path gets
 * three fields without allocating. Unpack with yearOfPacked / monthOfPacked / dayOfPacked.
 * Valid for years 0–4 million, far beyond anything a schedule reaches.
 */
export function civilFromDays(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return (year << 9) | (month << 5) | day;
}

export const yearOfPacked = (packed: number): number => packed >> 9;
export const monthOfPacked = (packed: number): number => (packed >> 5) & 15;
export const dayOfPacked = (packed: number): number => packed & 31;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Parses `YYYY-MM-DD` into a day number, or undefined when it is not a real calendar date. */
export function parseIsoDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

/** Parses `HH:MM` (00:00–23:59) into seconds of the day, or undefined. */
export function parseHourMinute(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 : undefined;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return String(year).padStart(4, '0');
  return (year < 0 ? '-' : '+') + String(Math.abs(year)).padStart(6, '0');
}

/** `+HH:MM` (or `+HH:MM:SS` for the odd historical offset), as in ISO 8601. */
export function formatOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  return `${sign}${pad2(h)}:${pad2(m)}${s ? ':' + pad2(s) : ''}`;
}

/**
 * ISO 8601 local date-time with offset, e.g. `2026-03-08T03:00:00-04:00`, for an instant (ms) and
 * the zone offset in force at that instant. Milliseconds are shown only when there are any.
 */
export function formatLocalIso(instantMs: number, offsetSeconds: number): string {
  const localMs = instantMs + offsetSeconds * 1000;
  const localSeconds = Math.floor(localMs / 1000);
  const ms = localMs - localSeconds * 1000;
  const day = dayOf(localSeconds);
  const packed = civilFromDays(day);
  const tod = localSeconds - day * SECONDS_PER_DAY;
  const hh = Math.floor(tod / 3600);
  const mm = Math.floor((tod % 3600) / 60);
  const ss = tod % 60;
  const fraction = ms ? '.' + String(ms).padStart(3, '0') : '';
  return (
    `${formatYear(yearOfPacked(packed))}-${pad2(monthOfPacked(packed))}-${pad2(dayOfPacked(packed))}` +
    `T${pad2(hh)}:${pad2(mm)}:${pad2(ss)}${fraction}${formatOffset(offsetSeconds)}`
  );
}

/** `YYYY-MM-DD` of a day number (for messages and tests). */
export function formatDay(day: number): string {
  const packed = civilFromDays(day);
  return `${formatYear(yearOfPacked(packed))}-${pad2(monthOfPacked(packed))}-${pad2(dayOfPacked(packed))}`;
}
