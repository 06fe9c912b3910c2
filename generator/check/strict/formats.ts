/**
 * The `format` checks kubeconform v0.7.0 makes, for the formats the embedded schemas keep (the
 * generator keeps a format only where kubeconform asserts it: in CRD schemas, for the names
 * santhosh-tekuri/jsonschema v6.0.1 knows). Each is a port of that library's format.go, messages
 * included, so a finding reads as kubeconform's does. A format in the schema table with no checker
 * here is a bug the tests catch (test/check/strict-gate.test.ts).
 */

/** A format checker: undefined when valid, else why not. Non-strings are always valid (as in v6). */
export type FormatChecker = (value: unknown) => string | undefined;

/** v6 format.go validateDateTime (RFC 3339 section 5.6). */
function dateTime(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (value.length < 20) return "less than 20 characters long";
  if (value[10] !== "t" && value[10] !== "T") return "11th character must be t or T";
  const date = fullDate(value.slice(0, 10));
  if (date) return `invalid date element: ${date}`;
  const time = fullTime(value.slice(11));
  if (time) return `invalid time element: ${time}`;
  return undefined;
}

/** Go's `time.Parse("2006-01-02", s)`, as v6 validateDate calls it. */
function fullDate(s: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return `parsing time ${JSON.stringify(s)} as "2006-01-02": cannot parse ${JSON.stringify(s)} as "2006-01-02"`;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return `parsing time ${JSON.stringify(s)}: month out of range`;
  const days = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  if (day < 1 || day > days) return `parsing time ${JSON.stringify(s)}: day out of range`;
  return undefined;
}

/** v6 format.go validateTime: hh:mm:ss[.frac](Z|±hh:mm), leap seconds only at 23:59 UTC. */
function fullTime(str: string): string | undefined {
  if (str.length < 9) return "less than 9 characters long";
  if (str[2] !== ":" || str[5] !== ":") return "missing colon in correct place";
  const hms = str.slice(0, 8).split(":").map(goAtoi);
  if (hms.some((n) => n === undefined)) return "invalid hour/min/sec";
  if (hms.some((n) => n! < 0)) return "non-positive hour/min/sec";
  let [h, m] = [hms[0]!, hms[1]!];
  const sec = hms[2]!;
  if (h > 23 || m > 59 || sec > 60) return "hour/min/sec out of range";
  let rest = str.slice(8);
  if (rest.startsWith(".")) {
    const digits = /^\d*/.exec(rest.slice(1))![0].length;
    if (digits === 0) return "no digits in second fraction";
    rest = rest.slice(1 + digits);
  }
  if (rest !== "z" && rest !== "Z") {
    if (rest.length !== 6) return "offset must be 6 characters long";
    const sign = rest[0] === "+" ? -1 : rest[0] === "-" ? 1 : 0;
    if (sign === 0) return "offset must begin with plus/minus";
    rest = rest.slice(1);
    if (rest[2] !== ":") return "missing colon in offset in correct place";
    const zhm = rest.split(":", 2).map(goAtoi);
    if (zhm.some((n) => n === undefined)) return "invalid hour/min in offset";
    if (zhm.some((n) => n! < 0)) return "non-positive hour/min in offset";
    const [zh, zm] = [zhm[0]!, zhm[1]!];
    if (zh > 23 || zm > 59) return "hour/min in offset out of range";
    let hm = h * 60 + m + sign * (zh * 60 + zm);
    if (hm < 0) hm += 24 * 60;
    [h, m] = [Math.floor(hm / 60), hm % 60];
  }
  if (sec >= 60 && (h !== 23 || m !== 59)) return "invalid leap second";
  return undefined;
}

/** Go's strconv.Atoi on short strings: an optional sign and decimal digits, else undefined. */
function goAtoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** Checkers by format name. */
export const FORMAT_CHECKERS: Readonly<Record<string, FormatChecker>> = {
  "date-time": dateTime,
};
