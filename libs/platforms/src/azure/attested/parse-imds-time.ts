/** IMDS writes times as `MM/dd/yy HH:mm:ss ±hhmm` (`01/04/21 13:55:34 -0000`). */
const IMDS_TIME =
  /^(?<month>\d{2})\/(?<day>\d{2})\/(?<year>\d{2}) (?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2}) (?<sign>[+-])(?<offsetHours>\d{2})(?<offsetMinutes>\d{2})$/;

/** Seconds since the epoch of a time as IMDS writes it, or undefined when it is not one. */
export function parseImdsTime(value: string): number | undefined {
  const groups = IMDS_TIME.exec(value)?.groups;
  if (groups === undefined) return undefined;
  const field = (name: string): number => Number(groups[name]);
  const [month, day, hour, minute, second] = [
    field('month'),
    field('day'),
    field('hour'),
    field('minute'),
    field('second'),
  ];
  const utc = Date.UTC(2000 + field('year'), month - 1, day, hour, minute, second);
  const date = new Date(utc);
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const offset = (field('offsetHours') * 60 + field('offsetMinutes')) * 60;
  return utc / 1000 - (groups.sign === '-' ? -offset : offset);
}
