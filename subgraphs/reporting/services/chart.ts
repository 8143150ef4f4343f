// The daily report's charts: drawn as SVG and rasterised to PNG with sharp on the server, so they show in every
// mail client (inline by Content-ID) and in the --out file (as a data URI). Labels are ids and numbers (ASCII):
// the server's fonts need not have Japanese glyphs.

export interface Chart {
  /** Content-ID in the mail, file name of the attachment. */
  cid: string;
  filename: string;
  /** What the image shows, for alt text and the plain-text part. */
  alt: string;
  width: number;
  height: number;
  png: Buffer;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
const OK = '#2e7d32';
const FAILED = '#c62828';
const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';
/** Rendered at twice the CSS size: sharp rasterises at 72 dpi per 1x. */
const DENSITY = 144;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round axis maximum at or above `max` (1, 2, 5 × 10^n), and its tick step. */
function axis(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 5, step: 1 };
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const top = [1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= max)!;
  return { top, step: top / 5 };
}

async function rasterise(svg: string): Promise<Buffer> {
  // sharp (libvips) is loaded with the first chart, not by every process that builds the report service.
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(svg), { density: DENSITY }).png().toBuffer();
}

/** Stacked bars: changes applied per hour of the day, one colour per channel. */
export async function changesChart(rows: { channel: string; hour: number; applied: number }[], zoneLabel: string): Promise<Chart> {
  const width = 640;
  const height = 260;
  const plot = { left: 48, right: 16, top: 36, bottom: 40 };
  const channels = [...new Set(rows.map((r) => r.channel))].sort();
  const perHour = Array.from({ length: 24 }, (_, h) => channels.map((c) => rows.filter((r) => r.hour === h && r.channel === c).reduce((s, r) => s + r.applied, 0)));
  const { top, step } = axis(Math.max(0, ...perHour.map((v) => v.reduce((a, b) => a + b, 0))));
  const w = width - plot.left - plot.right;
  const h = height - plot.top - plot.bottom;
  const slot = w / 24;
  const y = (v: number) => plot.top + h - (v / top) * h;
  const parts: string[] = [];
  for (let v = 0; v <= top; v += step) {
    parts.push(`<line x1="${plot.left}" x2="${plot.left + w}" y1="${y(v)}" y2="${y(v)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${plot.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11" fill="#555" ${FONT}>${v}</text>`);
  }
  perHour.forEach((values, hour) => {
    let base = 0;
    values.forEach((v, i) => {
      if (v === 0) return;
      parts.push(`<rect x="${plot.left + hour * slot + 2}" y="${y(base + v)}" width="${slot - 4}" height="${y(base) - y(base + v)}" fill="${PALETTE[i % PALETTE.length]}"/>`);
      base += v;
    });
    if (hour % 3 === 0) parts.push(`<text x="${plot.left + hour * slot + slot / 2}" y="${plot.top + h + 16}" text-anchor="middle" font-size="11" fill="#555" ${FONT}>${hour}</text>`);
  });
  const legend = channels.length
    ? channels.map((c, i) => `<rect x="${plot.left + i * 110}" y="10" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${plot.left + i * 110 + 14}" y="19" font-size="12" fill="#222" ${FONT}>${esc(c)}</text>`).join('')
    : `<text x="${plot.left}" y="19" font-size="12" fill="#888" ${FONT}>no stock changes</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<rect width="100%" height="100%" fill="#ffffff"/>${legend}${parts.join('')}
<line x1="${plot.left}" x2="${plot.left + w}" y1="${plot.top + h}" y2="${plot.top + h}" stroke="#999"/>
<text x="${plot.left + w / 2}" y="${height - 6}" text-anchor="middle" font-size="11" fill="#555" ${FONT}>hour (${esc(zoneLabel)})</text></svg>`;
  const total = rows.reduce((s, r) => s + r.applied, 0);
  return { cid: 'changes-by-hour@tsunagi', filename: 'changes-by-hour.png', alt: `Stock changes applied per hour and channel: ${total} in all`, width, height, png: await rasterise(svg) };
}

/** Horizontal bars: each system's external calls, succeeded and failed. */
export async function callsChart(stats: { system: string; calls: number; failed: number }[]): Promise<Chart> {
  const width = 640;
  const rowHeight = 26;
  const plot = { left: 110, right: 90, top: 34 };
  const height = plot.top + Math.max(1, stats.length) * rowHeight + 16;
  const max = Math.max(1, ...stats.map((s) => s.calls));
  const w = width - plot.left - plot.right;
  const parts = stats.map((s, i) => {
    const y = plot.top + i * rowHeight;
    const okWidth = ((s.calls - s.failed) / max) * w;
    const failedWidth = (s.failed / max) * w;
    return [
      `<text x="${plot.left - 8}" y="${y + 15}" text-anchor="end" font-size="12" fill="#222" ${FONT}>${esc(s.system)}</text>`,
      `<rect x="${plot.left}" y="${y + 3}" width="${okWidth}" height="16" fill="${OK}"/>`,
      `<rect x="${plot.left + okWidth}" y="${y + 3}" width="${failedWidth}" height="16" fill="${FAILED}"/>`,
      `<text x="${plot.left + okWidth + failedWidth + 6}" y="${y + 15}" font-size="11" fill="#555" ${FONT}>${s.calls - s.failed} ok / ${s.failed} failed</text>`,
    ].join('');
  });
  if (stats.length === 0) parts.push(`<text x="${plot.left}" y="${plot.top + 15}" font-size="12" fill="#888" ${FONT}>no external calls</text>`);
  const legend = `<rect x="${plot.left}" y="10" width="10" height="10" fill="${OK}"/><text x="${plot.left + 14}" y="19" font-size="12" fill="#222" ${FONT}>ok</text>` +
    `<rect x="${plot.left + 60}" y="10" width="10" height="10" fill="${FAILED}"/><text x="${plot.left + 74}" y="19" font-size="12" fill="#222" ${FONT}>failed</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<rect width="100%" height="100%" fill="#ffffff"/>${legend}${parts.join('')}</svg>`;
  const failed = stats.reduce((s, r) => s + r.failed, 0);
  const calls = stats.reduce((s, r) => s + r.calls, 0);
  return { cid: 'calls-by-system@tsunagi', filename: 'calls-by-system.png', alt: `External calls by system: ${calls} calls, ${failed} failed`, width, height, png: await rasterise(svg) };
}
