// The daily report as a mail: HTML that common mail clients render (tables, inline styles, no script, no
// external resource; well-formed, so it also parses as XML) and the same content as plain text. Headings in each
// configured language; ids, numbers and error texts as recorded.
import type { Language } from '../../../platform/config/notifications.js';
import { formatTime } from '../../../platform/time.js';
import type { Chart } from './chart.js';
import type { DailyReport } from './daily-report.js';

const LABELS = {
  runs: { ja: '在庫同期の実行', en: 'Stock runs' },
  noRuns: { ja: 'この日の実行はありません。', en: 'No runs on this day.' },
  dryRuns: { ja: 'ドライラン (変更なし)', en: 'dry runs (nothing sent)' },
  moreRuns: { ja: '件の実行は省略', en: 'more runs not listed' },
  changes: { ja: 'チャネル別の反映件数', en: 'Items changed per channel' },
  noChanges: { ja: 'この日の在庫変更はありません。', en: 'No stock changes on this day.' },
  failures: { ja: '失敗と未解決の問題', en: 'Failures and what is still failing' },
  noFailedRuns: { ja: '失敗した実行はありません。', en: 'No run failed.' },
  stillFailing: { ja: '最新の更新が失敗したままの品目', en: 'Items whose latest change still failed' },
  activeAlerts: { ja: '発生中のアラート', en: 'Alerts firing now' },
  credentials: { ja: '期限が近い認証情報', en: 'Credentials expiring soon' },
  noCredentials: { ja: '期限が近い認証情報はありません。', en: 'No credential expires soon.' },
  calls: { ja: 'システム別の連携エラー', en: 'Integration errors by system' },
  noCalls: { ja: 'この日の外部呼び出しはありません。', en: 'No external calls on this day.' },
  generated: { ja: '作成', en: 'Generated' },
  within: { ja: '日以内', en: 'days or fewer' },
} as const;

const COLUMNS = {
  status: { ja: '状態', en: 'Status' }, count: { ja: '件数', en: 'Count' }, id: { ja: '#', en: '#' }, kind: { ja: '種別', en: 'Kind' },
  trigger: { ja: '起動', en: 'Trigger' }, started: { ja: '開始', en: 'Started' }, updates: { ja: '更新', en: 'Updates' },
  failed: { ja: '失敗', en: 'Failed' }, channel: { ja: 'チャネル', en: 'Channel' }, applied: { ja: '反映', en: 'Applied' },
  error: { ja: 'エラー', en: 'Error' }, sku: { ja: 'SKU', en: 'SKU' }, code: { ja: 'コード', en: 'Code' }, at: { ja: '日時', en: 'At' },
  system: { ja: 'システム', en: 'System' }, days: { ja: '残り日数', en: 'Days left' }, expires: { ja: '失効日時', en: 'Expires' },
  detail: { ja: '詳細', en: 'Detail' }, calls: { ja: '呼び出し', en: 'Calls' }, rate: { ja: 'エラー率', en: 'Error rate' },
  alert: { ja: 'アラート', en: 'Alert' }, since: { ja: '発生', en: 'Since' },
} as const;

type Label = { ja: string; en: string };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const percent = (failed: number, calls: number) => (calls ? `${Math.round((failed / calls) * 1000) / 10}%` : '-');

const STYLE = {
  h1: 'margin:0 0 4px 0;font-size:20px;color:#1f4e79;',
  h2: 'margin:24px 0 8px 0;font-size:16px;color:#1f4e79;border-bottom:2px solid #1f4e79;padding-bottom:4px;',
  sub: 'color:#888;font-weight:normal;font-size:12px;',
  p: 'margin:0 0 8px 0;',
  table: 'border-collapse:collapse;width:100%;margin:0 0 8px 0;',
  th: 'text-align:left;padding:6px 8px;background:#eef2f7;border:1px solid #d5dbe3;font-size:12px;',
  td: 'padding:6px 8px;border:1px solid #e3e7ec;font-size:13px;vertical-align:top;',
  num: 'padding:6px 8px;border:1px solid #e3e7ec;font-size:13px;text-align:right;',
  bad: 'padding:6px 8px;border:1px solid #e3e7ec;font-size:13px;color:#c62828;font-weight:bold;',
} as const;

const STATUS_ORDER = ['SUCCESS', 'PARTIAL', 'FAILED', 'INTERRUPTED', 'ROLLED_BACK', 'RUNNING'];

/** One sentence per language: the day at a glance (the chat channels' text, the mail's first line). */
export function summaryLine(r: DailyReport, language: Language): string {
  const runs = Object.values(r.runsByStatus).reduce((a, b) => a + b, 0);
  const statuses = STATUS_ORDER.filter((s) => r.runsByStatus[s]).map((s) => `${s} ${r.runsByStatus[s]}`).join(', ');
  const applied = r.changesPerChannel.reduce((s, c) => s + c.applied, 0);
  const failedCalls = r.calls.reduce((s, c) => s + c.failed, 0);
  return language === 'ja'
    ? `${r.date}: 在庫同期 ${runs} 回${statuses ? ` (${statuses})` : ''}、反映 ${applied} 件、失敗が続く品目 ${r.stillFailing.total} 件、連携エラー ${failedCalls} 件、発生中のアラート ${r.activeAlerts.length} 件。`
    : `${r.date}: ${runs} stock run${runs === 1 ? '' : 's'}${statuses ? ` (${statuses})` : ''}, ${applied} changes applied, ${r.stillFailing.total} items still failing, ${failedCalls} failed external calls, ${r.activeAlerts.length} alerts firing.`;
}

interface Section {
  heading: Label;
  /** Shown instead of the table when it has no rows. */
  empty?: Label;
  before?: string[];
  columns?: Label[];
  rows?: { cells: string[]; bad?: number[]; numeric?: number[] }[];
  after?: string[];
  chart?: Chart;
}

export function renderReport(
  r: DailyReport,
  opts: { title: string; charts: Chart[]; images: 'cid' | 'inline'; languages: readonly Language[] },
): { html: string; text: string } {
  const [changesChart, callsChart] = opts.charts;
  const lang = opts.languages;
  const time = (d: Date | null) => (d ? formatTime(d, r.timezone) : '-');
  const credentialHeading = { ja: `${LABELS.credentials.ja} (${r.credentialDays} ${LABELS.within.ja})`, en: `${LABELS.credentials.en} (${r.credentialDays} ${LABELS.within.en})` };
  const sections: Section[] = [
    {
      heading: LABELS.runs, empty: LABELS.noRuns,
      columns: [COLUMNS.status, COLUMNS.count],
      rows: STATUS_ORDER.filter((s) => r.runsByStatus[s]).map((s) => ({ cells: [s, String(r.runsByStatus[s])], numeric: [1], bad: ['FAILED', 'PARTIAL', 'INTERRUPTED'].includes(s) ? [0] : [] })),
      after: r.dryRuns ? [`${lang.map((l) => LABELS.dryRuns[l]).join(' / ')}: ${r.dryRuns}`] : [],
    },
    {
      heading: { ja: `${LABELS.runs.ja} (一覧)`, en: `${LABELS.runs.en} (list)` }, empty: LABELS.noRuns,
      columns: [COLUMNS.id, COLUMNS.kind, COLUMNS.trigger, COLUMNS.started, COLUMNS.status, COLUMNS.updates, COLUMNS.failed],
      rows: r.runs.map((x) => ({
        cells: [String(x.id), `${x.kind}${x.dryRun ? ' (dry run)' : ''}`, x.trigger, time(x.startedAt), x.status, String(x.updates), String(x.failed)],
        numeric: [0, 5, 6], bad: ['FAILED', 'PARTIAL', 'INTERRUPTED'].includes(x.status) ? [4] : [],
      })),
      after: r.moreRuns ? [`+${r.moreRuns} ${lang.map((l) => LABELS.moreRuns[l]).join(' / ')}`] : [],
    },
    {
      heading: LABELS.changes, empty: LABELS.noChanges,
      columns: [COLUMNS.channel, COLUMNS.applied, COLUMNS.failed],
      rows: r.changesPerChannel.map((c) => ({ cells: [c.channel, String(c.applied), String(c.failed)], numeric: [1, 2], bad: c.failed ? [2] : [] })),
      chart: changesChart,
    },
    {
      heading: LABELS.failures, empty: LABELS.noFailedRuns,
      columns: [COLUMNS.id, COLUMNS.status, COLUMNS.updates, COLUMNS.failed, COLUMNS.error],
      rows: r.failedRuns.map((x) => ({ cells: [String(x.id), x.status, String(x.updates), String(x.failed), x.errorSummary ?? '-'], numeric: [0, 2, 3], bad: [1] })),
    },
    {
      heading: { ja: `${LABELS.stillFailing.ja}: ${r.stillFailing.total}`, en: `${LABELS.stillFailing.en}: ${r.stillFailing.total}` },
      columns: [COLUMNS.channel, COLUMNS.sku, COLUMNS.code, COLUMNS.at, COLUMNS.error],
      rows: r.stillFailing.items.map((i) => ({ cells: [i.channel, i.sku, i.code, time(i.at), i.error ?? '-'] })),
      after: r.stillFailing.total > r.stillFailing.items.length ? [`+${r.stillFailing.total - r.stillFailing.items.length}`] : [],
    },
    {
      heading: { ja: `${LABELS.activeAlerts.ja}: ${r.activeAlerts.length}`, en: `${LABELS.activeAlerts.en}: ${r.activeAlerts.length}` },
      columns: [COLUMNS.alert, COLUMNS.since],
      rows: r.activeAlerts.map((a) => ({ cells: [a.title, time(a.since)], bad: [0] })),
    },
    {
      heading: credentialHeading, empty: LABELS.noCredentials,
      columns: [COLUMNS.system, COLUMNS.days, COLUMNS.expires, COLUMNS.detail],
      rows: r.credentials.map((c) => ({ cells: [c.system, String(c.days), time(c.expiresAt), c.detail], numeric: [1], bad: c.days <= 7 ? [1] : [] })),
    },
    {
      heading: LABELS.calls, empty: LABELS.noCalls,
      columns: [COLUMNS.system, COLUMNS.calls, COLUMNS.failed, COLUMNS.rate, COLUMNS.error],
      rows: r.calls.map((c) => ({ cells: [c.system, String(c.calls), String(c.failed), percent(c.failed, c.calls), c.lastError ?? '-'], numeric: [1, 2, 3], bad: c.failed ? [2] : [] })),
      chart: callsChart,
    },
  ];
  const generated = `${lang.map((l) => LABELS.generated[l]).join(' / ')}: ${time(r.generatedAt)} (${r.company})`;
  return { html: html(r, opts, sections, generated), text: text(r, opts, sections, generated) };
}

function html(r: DailyReport, opts: { title: string; images: 'cid' | 'inline'; languages: readonly Language[] }, sections: Section[], generated: string): string {
  const [first, ...others] = opts.languages;
  const heading = (l: Label) => `${esc(l[first!])}${others.map((o) => ` <span style="${STYLE.sub}">${esc(l[o])}</span>`).join('')}`;
  const src = (c: Chart) => (opts.images === 'cid' ? `cid:${c.cid}` : `data:image/png;base64,${c.png.toString('base64')}`);
  const body = sections.map((s) => {
    const out = [`<h2 style="${STYLE.h2}">${heading(s.heading)}</h2>`];
    for (const line of s.before ?? []) out.push(`<p style="${STYLE.p}">${esc(line)}</p>`);
    if (s.rows?.length) {
      const head = `<tr>${s.columns!.map((c) => `<th style="${STYLE.th}">${heading(c)}</th>`).join('')}</tr>`;
      const rows = s.rows.map((row) => `<tr>${row.cells.map((cell, i) => `<td style="${row.bad?.includes(i) ? STYLE.bad : row.numeric?.includes(i) ? STYLE.num : STYLE.td}">${esc(cell)}</td>`).join('')}</tr>`);
      out.push(`<table cellpadding="0" cellspacing="0" border="0" style="${STYLE.table}">${head}${rows.join('')}</table>`);
    } else if (s.empty) out.push(`<p style="${STYLE.p}">${heading(s.empty)}</p>`);
    for (const line of s.after ?? []) out.push(`<p style="${STYLE.p}">${esc(line)}</p>`);
    if (s.chart) out.push(`<img src="${src(s.chart)}" width="${s.chart.width}" height="${s.chart.height}" alt="${esc(s.chart.alt)}" style="display:block;max-width:100%;height:auto;border:0;" />`);
    return out.join('\n');
  });
  return [
    '<!DOCTYPE html>',
    `<html lang="${first}"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" /><title>${esc(opts.title)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f5f7;">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f5f7;"><tr><td align="center" style="padding:16px;">',
    `<table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" style="background:#ffffff;border:1px solid #dde3ea;font-family:Arial,'Hiragino Sans','Meiryo',sans-serif;font-size:14px;color:#222222;"><tr><td style="padding:20px 24px;">`,
    `<h1 style="${STYLE.h1}">${esc(opts.title)}</h1>`,
    ...opts.languages.map((l) => `<p style="${STYLE.p}">${esc(summaryLine(r, l))}</p>`),
    ...body,
    `<p style="margin:24px 0 0 0;color:#888888;font-size:12px;">${esc(generated)}</p>`,
    '</td></tr></table>',
    '</td></tr></table>',
    '</body></html>',
  ].join('\n');
}

function text(r: DailyReport, opts: { title: string; languages: readonly Language[] }, sections: Section[], generated: string): string {
  const label = (l: Label) => opts.languages.map((x) => l[x]).join(' / ');
  const out = [opts.title, '='.repeat(Math.min(60, opts.title.length * 2)), ...opts.languages.map((l) => summaryLine(r, l))];
  for (const s of sections) {
    out.push('', `## ${label(s.heading)}`);
    out.push(...(s.before ?? []));
    if (s.rows?.length) {
      out.push(s.columns!.map((c) => c.en).join(' | '));
      for (const row of s.rows) out.push(row.cells.join(' | '));
    } else if (s.empty) out.push(label(s.empty));
    out.push(...(s.after ?? []));
    if (s.chart) out.push(`[${s.chart.alt}]`);
  }
  out.push('', generated);
  return out.join('\n');
}
