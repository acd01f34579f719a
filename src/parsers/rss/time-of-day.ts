/**
 * Clock-time helpers shared by the RSS-family parsers (rss, pidstat): captures that print only a
 * time of day (`date +%T`, pidstat's `10:00:01 AM`) and a date once in a banner.
 */

/**
 * Parses `HH:MM[:SS[.fff]]` with an optional `AM`/`PM` to seconds since midnight; null otherwise.
 * @example parseTimeOfDay('01:02:03', 'PM') // 46923
 */
export function parseTimeOfDay(text: string, meridiem?: string): number | null {
  if (text.length < 4 || text.length > 18) return null;
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3) return null;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.length === 0 || p.length > (i === 2 ? 12 : 2)) return null;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j);
      if (!((c >= 48 && c <= 57) || (i === 2 && c === 46))) return null;
    }
  }
  let h = Number(parts[0]);
  const m = Number(parts[1]);
  const s = parts.length === 3 ? Number(parts[2]) : 0;
  if (!Number.isFinite(s) || h > 23 || m > 59 || s >= 61) return null;
  if (meridiem !== undefined) {
    const mer = meridiem.toUpperCase();
    if (mer !== 'AM' && mer !== 'PM') return null;
    if (h < 1 || h > 12) return null;
    if (mer === 'PM' && h < 12) h += 12;
    if (mer === 'AM' && h === 12) h = 0;
  }
  return h * 3600 + m * 60 + s;
}

/**
 * Parses a banner date (sysstat prints the locale's form): `01/15/2024` (en_US, MM/DD/YYYY),
 * `01/15/24`, `2024-01-15` (ISO, S_TIME_FORMAT=ISO) or `15.01.2024` (de_DE and most of Europe).
 * Returns epoch seconds of that day's midnight UTC, or null.
 * @example parseBannerDate('01/15/2024') // 1705276800
 */
export function parseBannerDate(text: string): number | null {
  let y: number;
  let mo: number;
  let d: number;
  if (text.length === 10 && text[4] === '-' && text[7] === '-') {
    y = Number(text.slice(0, 4));
    mo = Number(text.slice(5, 7));
    d = Number(text.slice(8, 10));
  } else if ((text.length === 10 || text.length === 8) && text[2] === '/' && text[5] === '/') {
    mo = Number(text.slice(0, 2));
    d = Number(text.slice(3, 5));
    y = Number(text.slice(6));
    if (text.length === 8) y += 2000;
  } else if (text.length === 10 && text[2] === '.' && text[5] === '.') {
    d = Number(text.slice(0, 2));
    mo = Number(text.slice(3, 5));
    y = Number(text.slice(6));
  } else return null;
  if (![y, mo, d].every(Number.isInteger) || mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970) return null;
  return Date.UTC(y, mo - 1, d) / 1000;
}

/**
 * Turns successive times of day into a monotonic axis: a jump back of more than 12 hours is
 * read as midnight passing. With a base date the axis is epoch seconds, else seconds since the
 * first midnight of the capture.
 * @example
 * const day = new DayRollover();
 * [day.at(86399), day.at(0)] // [86399, 86400]
 */
export class DayRollover {
  #day = 0;
  #last: number | null = null;
  constructor(private base = 0) {}

  setBase(base: number): void {
    this.base = base;
    this.#day = 0;
    this.#last = null;
  }

  at(secondsOfDay: number): number {
    if (this.#last !== null && secondsOfDay < this.#last - 43200) this.#day++;
    this.#last = secondsOfDay;
    return this.base + this.#day * 86400 + secondsOfDay;
  }
}
