import { dayInZone, formatTime, isoInZone } from './time.js';

describe('times for people', () => {
  const at = new Date('2026-11-27T15:04:05.006Z');

  it('shows one format in the configured zone, with its offset', () => {
    expect(formatTime(at, 'Asia/Tokyo')).toBe('2026-11-28 00:04:05 +09:00');
    expect(formatTime(at, 'UTC')).toBe('2026-11-27 15:04:05 +00:00');
    expect(formatTime(at, 'America/Los_Angeles')).toBe('2026-11-27 07:04:05 -08:00');
  });

  it('writes log times as ISO 8601 in the zone, which parse back to the same moment', () => {
    expect(isoInZone(at, 'Asia/Tokyo')).toBe('2026-11-28T00:04:05.006+09:00');
    expect(Date.parse(isoInZone(at, 'Asia/Tokyo'))).toBe(at.getTime());
    expect(dayInZone(at, 'Asia/Tokyo')).toBe('2026-11-28');
  });
});
