// One way to show a moment to people: in the configured timezone, with its UTC offset, so text output, console
// log lines and the log file all read alike. Machine output (--json, GraphQL) stays ISO 8601 UTC.
const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(date: Date, timeZone: string): Record<string, string> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
      second: '2-digit', timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(date)) out[p.type] = p.value;
  // "GMT+09:00"; plain "GMT" for UTC itself.
  out.offset = out.timeZoneName === 'GMT' ? '+00:00' : out.timeZoneName.replace('GMT', '');
  return out;
}

/** "2026-11-27 17:46:03 +09:00": every time the CLI prints. */
export function formatTime(date: Date, timeZone: string): string {
  const p = parts(date, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.offset}`;
}

/** "2026-11-27T17:46:03.123+09:00": ISO 8601 in the configured zone, for log lines people read with tail -f. */
export function isoInZone(date: Date, timeZone: string): string {
  const p = parts(date, timeZone);
  const ms = String(date.getUTCMilliseconds()).padStart(3, '0');
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}.${ms}${p.offset}`;
}

/** "2026-11-27" in the zone: names rotated log files by the day they cover. */
export function dayInZone(date: Date, timeZone: string): string {
  const p = parts(date, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}
