/**
 * The `format` checks cloud-init's validation makes. cloud-init passes jsonschema's
 * `FormatChecker()`, which checks only the formats whose Python libraries are installed. cloud-init's
 * schema uses three: `date` (always checked, with `datetime.date.fromisoformat`), and `uri` and
 * `hostname`, which jsonschema 4.x checks only with the optional `rfc3987` and `fqdn` packages, not
 * installed with Debian's or Ubuntu's cloud-init. Other formats are not checked here (jsonschema
 * would check `email`, `ipv4` ... on strings; cloud-init's schema uses none of them).
 */

/** Ajv `formats`: the Python checker of each format cloud-init's schema uses; `true` = not checked. */
export const CLOUD_INIT_FORMATS = {
  date: { type: "string", validate: isPythonDate },
  uri: true,
  hostname: true,
} as const;

/**
 * jsonschema's `is_date`: ASCII and accepted by CPython 3.11's `date.fromisoformat` (the C
 * `parse_isoformat_date`): YYYY-MM-DD, YYYYMMDD, YYYY-Www[-D], YYYYWww[D], of length 7, 8 or 10;
 * like CPython, characters after the last field it reads are not looked at (`2030010112` is a
 * date). Python 3.10 and older accept YYYY-MM-DD only.
 */
export function isPythonDate(s: string): boolean {
  if (!/^[\x00-\x7f]*$/.test(s) || ![7, 8, 10].includes(s.length)) return false;
  const digits = (at: number, n: number): number | undefined => {
    const part = s.slice(at, at + n);
    return part.length === n && /^[0-9]+$/.test(part) ? Number(part) : undefined;
  };
  const year = digits(0, 4);
  if (year === undefined) return false;
  const sep = s[4] === "-";
  let p = sep ? 5 : 4;
  if (s[p] === "W") {
    const week = digits(p + 1, 2);
    if (week === undefined) return false;
    p += 3;
    let day = 1;
    if (p < s.length) {
      if (sep && s[p++] !== "-") return false;
      const d = digits(p, 1);
      if (d === undefined) return false;
      day = d;
    }
    return isoWeekDate(year, week, day);
  }
  const month = digits(p, 2);
  if (month === undefined) return false;
  p += 2;
  if (sep && s[p++] !== "-") return false;
  const day = digits(p, 2);
  return day !== undefined && year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** CPython's `iso_to_ymd` and the year range of the date it gives. */
function isoWeekDate(year: number, week: number, day: number): boolean {
  if (week < 1 || week > 53) return false;
  if (week === 53) {
    const jan1 = weekdaySunday0(year, 1, 1);
    if (!(jan1 === 4 || (jan1 === 3 && isLeap(year)))) return false;
  }
  if (day < 1 || day > 7) return false;
  // Monday of ISO week 1 is the Monday on or before 4 January; the date must fall in years 1..9999.
  const jan4 = ordinal(year, 1, 4);
  const week1Monday = jan4 - ((jan4 + 6) % 7);
  const target = week1Monday + (week - 1) * 7 + (day - 1);
  return target >= ordinal(1, 1, 1) && target <= ordinal(9999, 12, 31);
}

/** Days since 0001-01-01 = 1 (proleptic Gregorian, as Python's `date.toordinal`). */
function ordinal(year: number, month: number, day: number): number {
  const y = year - 1;
  let days = y * 365 + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
  for (let m = 1; m < month; m++) days += daysInMonth(year, m);
  return days + day;
}

/** Sunday = 0 ... Saturday = 6. 0001-01-01 (ordinal 1) was a Monday. */
function weekdaySunday0(year: number, month: number, day: number): number {
  return ordinal(year, month, day) % 7;
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Days in a month of the proleptic Gregorian calendar (Python's `date`). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
