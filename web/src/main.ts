// The operations dashboard: Status, Actions, Health, Simulate and Stock over the public GraphQL API. One state
// object, rendered with lit-html whenever it changes.
import './style.css';
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { Api, ApiError, loadPageConfig, readClaims, SessionEndedError, type Claims, type PageConfig } from './api';
import { initialLang, keepLang, translate, type Lang, type MessageKey } from './i18n';
import { OrdersTab } from './orders';
import * as Q from './queries';

type Tab = 'status' | 'actions' | 'health' | 'simulate' | 'stock' | 'orders';
type Notice = { kind: 'ok' | 'error' | 'info'; text: string } | null;

const TOKEN_KEY = 'tsunagi.token';
const LEDGER_PAGE = 25;
const INVENTORY_PAGE = 20;
const FEED_MAX = 50;
const RUNS_REFRESH_MS = 10_000;
const HEALTH_REFRESH_MS = 30_000;

const state = {
  config: null as PageConfig | null,
  lang: initialLang(),
  token: null as string | null,
  claims: null as Claims | null,
  api: null as Api | null,
  signInMessage: null as string | null,
  tab: 'status' as Tab,
  runs: null as Q.Run[] | null,
  runsError: null as string | null,
  filterStatus: '',
  filterKind: '',
  progress: new Map<number, Q.Progress>(),
  /** The open run's ledger page: `after` is the cursor stack (one per page seen), `end` the cursor of the next. */
  openRun: null as null | { run: Q.Run; entries: Q.LedgerEntry[]; after: (string | null)[]; end: string | null; hasNext: boolean; sku: string; error: string | null },
  busy: false,
  notice: null as Notice,
  dryReport: null as Q.SyncReport | null,
  activeRun: null as number | null,
  rollbackPreview: null as Q.RollbackReport | null,
  health: null as Q.Health | null,
  healthAt: null as Date | null,
  healthError: null as string | null,
  simInput: '3 7 15 40',
  sim: null as Q.Preview[] | null,
  simError: null as string | null,
  inventory: null as Q.InventoryPage | null,
  inventorySku: '',
  inventoryOffset: 0,
  rules: null as Q.Rules | null,
  ruleSets: null as Q.RuleSet[] | null,
  rulesNotice: null as Notice,
  stockSku: '',
  stock: null as Q.ProductStock | null | undefined,
  stockError: null as string | null,
  feed: [] as Q.StockChange[],
  /** The stock sources; the picker shows when there are several. `source` null: the server's default, the only one. */
  sources: [] as Q.StockSource[],
  source: null as string | null,
};

const root = document.querySelector<HTMLElement>('#app')!;
const t = (key: MessageKey, vars?: Record<string, string | number>) => translate(state.lang, key, vars);
const canWrite = () => state.claims !== null && state.claims.role !== 'partner';
const canManage = () => state.claims?.role === 'manager' || state.claims?.role === 'admin';
const orders = new OrdersTab({ call, t, fmtDate, lang: () => state.lang, update });

/** Debounce for the search fields: one request once typing pauses. */
let searchTimer: number | undefined;
const debounce = (fn: () => void) => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(fn, 250);
};

let scheduled = false;
function update(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    render(view(), root);
  });
}

// ---- formatting ------------------------------------------------------------------------------------------

function fmtDate(value: string | Date | null | undefined): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat(state.lang === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: state.config?.timezone ?? 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
  }).format(new Date(value));
}

function fmtDuration(run: Q.Run): string {
  const end = run.finishedAt ? new Date(run.finishedAt).getTime() : Date.now();
  const ms = end - new Date(run.startedAt).getTime();
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const statusBadge = (status: string) => html`<span class="badge status-${status.toLowerCase()}">${status}</span>`;
const triggerOf = (trigger: string) => trigger.split(':')[0];
const share = (tier: Q.Tier) => `${tier.min}${tier.max === null ? '+' : `–${tier.max}`} → ${tier.share}`;
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function noticeView(n: Notice) {
  return n ? html`<p class="notice ${n.kind}" role=${n.kind === 'error' ? 'alert' : 'status'}>${n.text}</p>` : nothing;
}

// ---- session ---------------------------------------------------------------------------------------------

let timers: number[] = [];
let unsubscribers: (() => void)[] = [];
const progressSubs = new Map<number, () => void>();
let expiryTimer: number | undefined;

function signIn(token: string): void {
  const claims = readClaims(token);
  if (!claims) {
    state.signInMessage = t('tokenInvalid');
    return update();
  }
  if (claims.exp !== undefined && claims.exp * 1000 <= Date.now()) {
    state.signInMessage = t('tokenExpired', { at: fmtDate(new Date(claims.exp * 1000)) });
    return update();
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  state.claims = claims;
  state.signInMessage = null;
  state.api = new Api(token, (reason) => signOut(t('sessionEnded', { reason })));
  state.tab = 'status';
  if (claims.exp !== undefined) {
    // Back to the sign-in page the moment the token runs out, not at the next failed request.
    const left = claims.exp * 1000 - Date.now();
    expiryTimer = window.setTimeout(() => signOut(t('tokenExpired', { at: fmtDate(new Date(claims.exp! * 1000)) })), Math.min(left, 2 ** 31 - 1));
  }
  unsubscribers.push(state.api.subscribe<{ stockChanged: Q.StockChange }>(Q.STOCK_CHANGED, {}, {
    next: ({ stockChanged }) => {
      state.feed = [stockChanged, ...state.feed].slice(0, FEED_MAX);
      update();
    },
  }));
  unsubscribers.push(orders.listen(state.api));
  timers.push(window.setInterval(() => state.tab === 'status' && void loadRuns(), RUNS_REFRESH_MS));
  timers.push(window.setInterval(() => state.tab === 'health' && void loadHealth(), HEALTH_REFRESH_MS));
  void loadRuns();
  void loadSources();
  update();
}

async function loadSources(): Promise<void> {
  const data = await call((api) => api.request<{ stockPolicies: Q.StockSource[] }>(Q.SOURCES)).catch(() => null);
  if (!data) return;
  state.sources = data.stockPolicies;
  if (state.sources.length > 1 && !state.sources.some((s) => s.source === state.source)) state.source = state.sources[0]!.source;
  update();
}

/** The stock source the Actions and Simulate pages work on, when there is more than one. */
function sourcePicker() {
  if (state.sources.length < 2) return nothing;
  return html`<label class="source-picker">${t('stockSource')} <select id="source" @change=${(e: Event) => {
    state.source = (e.target as HTMLSelectElement).value;
    [state.dryReport, state.rollbackPreview, state.sim, state.inventory, state.rules, state.ruleSets] = [null, null, null, null, null, null];
    if (state.tab === 'simulate') selectTab('simulate');
    update();
  }}>${state.sources.map((s) => html`<option value=${s.source} ?selected=${s.source === state.source}>${s.source} → ${s.channels.join(', ')}</option>`)}</select></label>`;
}

function signOut(message: string | null = null): void {
  if (!state.api) return;
  sessionStorage.removeItem(TOKEN_KEY);
  for (const stop of [...unsubscribers, ...progressSubs.values()]) stop();
  for (const timer of timers) clearInterval(timer);
  clearTimeout(expiryTimer);
  unsubscribers = [];
  timers = [];
  progressSubs.clear();
  state.api.close();
  Object.assign(state, {
    api: null, token: null, claims: null, signInMessage: message, runs: null, openRun: null, dryReport: null, notice: null,
    rollbackPreview: null, health: null, sim: null, inventory: null, rules: null, ruleSets: null,
    stock: null, feed: [], activeRun: null, busy: false,
  });
  state.progress.clear();
  orders.reset();
  update();
}

/** Runs a request; a refused token has already ended the session, anything else is the caller's to show. */
async function call<T>(fn: (api: Api) => Promise<T>): Promise<T | undefined> {
  if (!state.api) return undefined;
  try {
    return await fn(state.api);
  } catch (err) {
    if (err instanceof SessionEndedError) return undefined;
    throw err;
  }
}

// ---- status ----------------------------------------------------------------------------------------------

async function loadRuns(): Promise<void> {
  try {
    const data = await call((api) => api.request<{ syncRuns: Q.Run[] }>(Q.RUNS, {
      status: state.filterStatus || null, kind: state.filterKind || null,
    }));
    if (!data) return;
    state.runs = data.syncRuns;
    state.runsError = null;
    for (const run of data.syncRuns) if (run.status === 'RUNNING') watchRun(run.id);
  } catch (err) {
    state.runsError = errorText(err);
  }
  update();
}

/** Streams a run's progress until it finishes, then refreshes what the run changed. */
function watchRun(runId: number, onFinished?: (p: Q.Progress) => void): void {
  if (progressSubs.has(runId) || !state.api) return;
  const stop = state.api.subscribe<{ syncRunProgress: Q.Progress }>(Q.PROGRESS, { runId }, {
    next: ({ syncRunProgress: p }) => {
      state.progress.set(runId, p);
      if (p.phase === 'finished') {
        onFinished?.(p);
        void loadRuns();
        if (state.health) void loadHealth();
      }
      update();
    },
    complete: () => progressSubs.delete(runId),
    error: () => progressSubs.delete(runId),
  });
  progressSubs.set(runId, stop);
}

async function openRun(run: Q.Run, after: (string | null)[] = [null], sku = ''): Promise<void> {
  try {
    const data = await call((api) => api.request<{ syncRun: Q.Run & { ledger: Q.LedgerPage } }>(Q.RUN_LEDGER, {
      id: run.id, first: LEDGER_PAGE, after: after.at(-1) ?? null, sku: sku || null,
    }));
    if (!data) return;
    const ledger = data.syncRun.ledger;
    state.openRun = {
      run: data.syncRun, entries: ledger.edges.map((e) => e.node), after, end: ledger.pageInfo.endCursor,
      hasNext: ledger.pageInfo.hasNextPage, sku, error: null,
    };
  } catch (err) {
    state.openRun = { run, entries: [], after, end: null, hasNext: false, sku, error: errorText(err) };
  }
  update();
}

function progressView(runId: number) {
  const p = state.progress.get(runId);
  if (!p || p.phase === 'finished') return nothing;
  const pct = p.total > 0 ? Math.round((p.done / p.total) * 100) : 0;
  return html`<div class="progress" data-run=${runId}>
    <progress max=${Math.max(p.total, 1)} value=${p.done}></progress>
    <span>${t('progress', { phase: t(`phase.${p.phase}` as MessageKey), done: p.done, total: p.total })} ${p.total ? `(${pct}%)` : ''}</span>
  </div>`;
}

function statusView() {
  const statuses = ['RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED', 'INTERRUPTED', 'ROLLED_BACK'];
  const onFilter = (key: 'filterStatus' | 'filterKind') => (e: Event) => {
    state[key] = (e.target as HTMLSelectElement).value;
    void loadRuns();
  };
  return html`<section class="card" id="status-widget" aria-labelledby="status-title">
    <header class="card-head">
      <h2 id="status-title">${t('tabStatus')}</h2>
      <div class="filters">
        <label>${t('status')} <select name="status" @change=${onFilter('filterStatus')}>
          <option value="">${t('all')}</option>${statuses.map((s) => html`<option ?selected=${state.filterStatus === s}>${s}</option>`)}
        </select></label>
        <label>${t('kind')} <select name="kind" @change=${onFilter('filterKind')}>
          <option value="">${t('all')}</option>${['SYNC', 'ROLLBACK', 'REALTIME'].map((k) => html`<option ?selected=${state.filterKind === k}>${k}</option>`)}
        </select></label>
        <button type="button" class="secondary" @click=${() => void loadRuns()}>${t('refresh')}</button>
      </div>
    </header>
    ${state.runsError ? noticeView({ kind: 'error', text: state.runsError }) : nothing}
    ${state.runs === null ? html`<p>${t('loading')}</p>` : state.runs.length === 0 ? html`<p>${t('noRuns')}</p>` : html`
      <div class="scroll"><table class="runs">
        <thead><tr><th>${t('run')}</th><th>${t('kind')}</th><th>${t('trigger')}</th><th>${t('user')}</th><th>${t('started')}</th>
          <th>${t('duration')}</th><th>${t('status')}</th><th>${t('counts')}</th></tr></thead>
        <tbody>${state.runs.map((run) => html`
          <tr class="run-row" data-run=${run.id} tabindex="0" @click=${() => void openRun(run)} @keydown=${(e: KeyboardEvent) => e.key === 'Enter' && void openRun(run)}>
            <td>#${run.id}</td>
            <td>${run.kind}${run.dryRun ? html` <span class="badge dry">${t('dryRun')}</span>` : nothing}</td>
            <td>${triggerOf(run.trigger)}</td>
            <td>${run.user ?? '—'}</td>
            <td>${fmtDate(run.startedAt)}</td>
            <td>${fmtDuration(run)}</td>
            <td>${statusBadge(run.status)}${run.status === 'RUNNING' ? progressView(run.id) : nothing}</td>
            <td class="counts">${run.channels.length === 0 ? '—' : run.channels.map((c) => html`<span class="count">${c.channel}: ${c.updates}${c.failed ? html` <em class="bad">(${c.failed} ${t('failed')})</em>` : nothing}</span>`)}</td>
          </tr>`)}
        </tbody>
      </table></div>`}
    ${state.openRun ? runDetailView() : nothing}
  </section>`;
}

function runDetailView() {
  const o = state.openRun!;
  const onSearch = (e: Event) => {
    const sku = (e.target as HTMLInputElement).value.trim();
    debounce(() => void openRun(o.run, [null], sku));
  };
  return html`<div class="run-detail" id="run-detail" data-run=${o.run.id}>
    <header class="card-head">
      <h3>${t('runDetail', { id: o.run.id })} ${statusBadge(o.run.status)}</h3>
      <button type="button" class="secondary" @click=${() => ((state.openRun = null), update())}>${t('close')}</button>
    </header>
    <dl class="facts">
      <div><dt>${t('kind')}</dt><dd>${o.run.kind}${o.run.dryRun ? ` (${t('dryRun')})` : ''}</dd></div>
      <div><dt>${t('trigger')}</dt><dd>${o.run.trigger}</dd></div>
      <div><dt>${t('source')}</dt><dd>${o.run.source}</dd></div>
      <div><dt>${t('started')}</dt><dd>${fmtDate(o.run.startedAt)}</dd></div>
      <div><dt>${t('duration')}</dt><dd>${fmtDuration(o.run)}</dd></div>
      <div><dt>${t('updates')}</dt><dd>${o.run.updates} (${t('failed')}: ${o.run.failed})</dd></div>
      ${o.run.errorSummary ? html`<div><dt>${t('error')}</dt><dd class="bad">${o.run.errorSummary}</dd></div>` : nothing}
    </dl>
    ${progressView(o.run.id)}
    <h4>${t('ledger')}</h4>
    <label class="search">${t('searchSku')} <input type="search" name="ledger-sku" .value=${o.sku} @input=${onSearch} /></label>
    ${o.error ? noticeView({ kind: 'error', text: o.error }) : nothing}
    ${o.entries.length === 0 ? html`<p>${t('noEntries')}</p>` : html`<div class="scroll"><table class="ledger">
      <thead><tr><th>${t('channel')}</th><th>${t('sku')}</th><th>${t('code')}</th><th>${t('before')}</th><th>${t('after')}</th><th>${t('result')}</th><th>${t('at')}</th></tr></thead>
      <tbody>${o.entries.map((e) => html`<tr>
        <td>${e.channel}</td><td>${e.sku}</td><td>${e.code}</td><td>${e.before ?? '—'}</td><td>${e.after}</td>
        <td>${statusBadge(e.result)}${e.error ? html` <span class="bad">${e.error}</span>` : nothing}</td><td>${fmtDate(e.at)}</td>
      </tr>`)}</tbody></table></div>`}
    <div class="pager">
      <button type="button" class="secondary" ?disabled=${o.after.length <= 1} @click=${() => void openRun(o.run, o.after.slice(0, -1), o.sku)}>${t('previous')}</button>
      <button type="button" class="secondary" ?disabled=${!o.hasNext} @click=${() => void openRun(o.run, [...o.after, o.end], o.sku)}>${t('next')}</button>
    </div>
  </div>`;
}

// ---- actions ---------------------------------------------------------------------------------------------

async function act(fn: () => Promise<void>): Promise<void> {
  state.busy = true;
  state.notice = null;
  update();
  try {
    await fn();
  } catch (err) {
    const refused = err instanceof ApiError && err.code === 'SYNC_REFUSED';
    state.notice = { kind: 'error', text: t(refused ? 'refused' : 'failedAction', { reason: errorText(err) }) };
  } finally {
    state.busy = false;
    update();
  }
}

const dryRun = () => act(async () => {
  state.rollbackPreview = null;
  const data = await call((api) => api.request<{ runStockSync: Q.SyncReport }>(Q.DRY_RUN, { source: state.source }));
  if (!data) return;
  state.dryReport = data.runStockSync;
  void loadRuns();
});

const syncNow = () => act(async () => {
  const data = await call((api) => api.request<{ startStockSync: { id: number } }>(Q.START_SYNC, { source: state.source }));
  if (!data) return;
  const runId = data.startStockSync.id;
  state.dryReport = null;
  state.activeRun = runId;
  state.notice = { kind: 'info', text: t('syncStarted', { id: runId }) };
  watchRun(runId, (p) => {
    state.notice = { kind: p.status === 'SUCCESS' ? 'ok' : 'error', text: t('syncFinished', { id: runId, status: p.status }) };
  });
  void loadRuns();
});

const previewRollback = () => act(async () => {
  state.dryReport = null;
  const data = await call((api) => api.request<{ rollbackStockSync: Q.RollbackReport }>(Q.ROLLBACK, { dryRun: true, source: state.source }));
  if (data) state.rollbackPreview = data.rollbackStockSync;
});

const confirmRollback = (runId: number) => act(async () => {
  // The mutation answers once the rollback has ended: meanwhile its run is found among the running ones (its source
  // is run:<id>) and its progress streamed like a sync's.
  let answered = false;
  void (async () => {
    while (!answered) {
      const data = await call((api) => api.request<{ syncRuns: Q.Run[] }>(Q.RUNS, { status: 'RUNNING', kind: 'ROLLBACK' })).catch(() => undefined);
      const run = data?.syncRuns.find((r) => r.source === `run:${runId}`);
      if (run && !answered) {
        state.activeRun = run.id;
        return watchRun(run.id);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    const data = await call((api) => api.request<{ rollbackStockSync: Q.RollbackReport }>(Q.ROLLBACK, { dryRun: false, runId }));
    if (!data) return;
    const r = data.rollbackStockSync;
    state.rollbackPreview = null;
    state.notice = { kind: r.status === 'SUCCESS' ? 'ok' : 'error', text: t('rollbackDone', { id: r.runId, status: r.status, n: r.changes.length }) };
    void loadRuns();
  } finally {
    answered = true;
  }
});

function changesTable(rows: { channel: string; sku: string; code: string; before: number | null; after: number }[]) {
  const shown = rows.slice(0, 100);
  return html`<div class="scroll"><table class="changes">
    <thead><tr><th>${t('channel')}</th><th>${t('sku')}</th><th>${t('code')}</th><th>${t('before')}</th><th>${t('after')}</th></tr></thead>
    <tbody>${shown.map((c) => html`<tr><td>${c.channel}</td><td>${c.sku}</td><td>${c.code}</td><td>${c.before ?? '—'}</td><td>${c.after}</td></tr>`)}</tbody>
  </table></div>${rows.length > shown.length ? html`<p>${t('moreChanges', { n: rows.length - shown.length })}</p>` : nothing}`;
}

function actionsView() {
  const r = state.dryReport;
  const rb = state.rollbackPreview;
  return html`<section class="card" id="actions-widget" aria-labelledby="actions-title">
    <header class="card-head"><h2 id="actions-title">${t('tabActions')}</h2>${sourcePicker()}</header>
    <p>${t('actionsIntro')}</p>
    <div class="buttons">
      <button type="button" id="dry-run" ?disabled=${state.busy} @click=${dryRun}>${t('startDryRun')}</button>
      <button type="button" id="preview-rollback" class="secondary" ?disabled=${state.busy} @click=${previewRollback}>${t('previewRollback')}</button>
    </div>
    ${state.busy ? html`<progress class="busy" aria-label=${t('loading')}></progress>` : nothing}
    ${noticeView(state.notice)}
    ${state.activeRun !== null ? progressView(state.activeRun) : nothing}
    ${r ? html`<div class="report" id="dry-run-report">
      <h3>${t('dryRunReport', { id: r.runId })} ${statusBadge(r.status)}</h3>
      <dl class="facts">
        <div><dt>${t('sourceItems')}</dt><dd>${r.sourceItems}</dd></div>
        <div><dt>${t('mapped')}</dt><dd>${r.mappedSkus}</dd></div>
        <div><dt>${t('updates')}</dt><dd class="updates">${r.updates}</dd></div>
        ${r.channels.map((c) => html`<div><dt>${c.channel}</dt><dd>${t('updates')} ${c.updates} · ${t('unchanged')} ${c.unchanged} · ${t('notListed')} ${c.notListed}</dd></div>`)}
      </dl>
      ${r.changes.length === 0 ? html`<p>${t('noChanges')}</p>` : html`
        ${changesTable(r.changes)}
        <button type="button" id="sync-now" ?disabled=${state.busy} @click=${syncNow}>${t('syncNow')}</button>`}
    </div>` : nothing}
    ${rb ? html`<div class="report" id="rollback-preview">
      <h3>${t('rollbackTitle')}</h3>
      <p>${t('rollbackPreview', { id: rb.rollbackOf })}</p>
      ${changesTable(rb.changes.map((c) => ({ channel: c.channel, sku: c.sku, code: c.code, before: c.from, after: c.to })))}
      <div class="buttons">
        <button type="button" id="confirm-rollback" class="danger" ?disabled=${state.busy} @click=${() => confirmRollback(rb.rollbackOf)}>${t('confirmRollback', { id: rb.rollbackOf })}</button>
        <button type="button" class="secondary" @click=${() => ((state.rollbackPreview = null), update())}>${t('cancel')}</button>
      </div>
    </div>` : nothing}
  </section>`;
}

// ---- health ----------------------------------------------------------------------------------------------

async function loadHealth(): Promise<void> {
  try {
    const data = await call((api) => api.request<{ health: Q.Health }>(Q.HEALTH));
    if (!data) return;
    state.health = data.health;
    state.healthAt = new Date();
    state.healthError = null;
  } catch (err) {
    state.healthError = errorText(err);
  }
  update();
}

function expiryView(days: number | null) {
  if (days === null) return html`—`;
  const level = days < 3 ? 'red' : days < 14 ? 'amber' : 'green';
  return html`<span class="badge expiry-${level}">${t('days', { n: days })}</span>`;
}

function healthView() {
  const h = state.health;
  return html`<section class="card" id="health-widget" aria-labelledby="health-title">
    <header class="card-head">
      <h2 id="health-title">${t('tabHealth')}</h2>
      <div class="filters">
        ${state.healthAt ? html`<small>${t('checkedAt', { at: fmtDate(state.healthAt) })}</small>` : nothing}
        <button type="button" class="secondary" @click=${() => void loadHealth()}>${t('refresh')}</button>
      </div>
    </header>
    ${state.healthError ? noticeView({ kind: 'error', text: state.healthError }) : nothing}
    ${!h ? html`<p>${t('loading')}</p>` : html`
      <p class="summary ${h.ok ? 'good' : 'bad'}">${h.ok ? t('healthOk') : t('healthBad')}</p>
      <div class="scroll"><table class="health">
        <thead><tr><th>${t('component')}</th><th>${t('reachable')}</th><th>${t('detail')}</th><th>${t('expiresIn')}</th></tr></thead>
        <tbody>${h.components.map((c) => html`<tr data-component=${c.name}>
          <td>${c.name}</td><td><span class="badge ${c.ok ? 'status-success' : 'status-failed'}">${c.ok ? t('ok') : t('down')}</span></td>
          <td>${c.detail}</td><td>${expiryView(c.expiresInDays)}</td></tr>`)}</tbody>
      </table></div>
      <h3>${t('schedules')}</h3>
      <table class="schedules">
        <thead><tr><th>${t('job')}</th><th>${t('schedule')}</th><th>${t('nextRun')}</th><th>${t('previousRun')}</th><th>${t('outcome')}</th></tr></thead>
        <tbody>${h.schedules.map((s) => html`<tr data-job=${s.name}><td>${s.name}</td><td><code>${s.schedule}</code> (${s.timezone})</td><td>${fmtDate(s.nextRunAt)}</td>
          <td>${fmtDate(s.lastRunAt)}</td><td>${s.lastRunFailed === null ? '—' : html`<span class="badge ${s.lastRunFailed ? 'status-failed' : 'status-success'}">${t(s.lastRunFailed ? 'failed' : 'ok')}</span>
          ${s.failReason ? html`<span class="fail-reason">${s.failReason}</span>` : nothing}`}</td></tr>`)}</tbody>
      </table>
      <h3>${t('lastRun')}</h3>
      ${h.lastRun ? html`<p>#${h.lastRun.id} ${h.lastRun.kind} ${statusBadge(h.lastRun.status)} ${fmtDate(h.lastRun.startedAt)}</p>` : html`<p>${t('noRuns')}</p>`}`}
  </section>`;
}

// ---- simulate --------------------------------------------------------------------------------------------

async function simulate(): Promise<void> {
  const quantities = state.simInput.split(/[\s,]+/).filter(Boolean).map(Number);
  if (quantities.length === 0 || quantities.some((q) => !Number.isInteger(q) || q < 0)) {
    state.simError = `${t('quantities')}: ${state.simInput}`;
    return update();
  }
  try {
    const data = await call((api) => api.request<{ simulateAllocation: Q.Preview[] }>(Q.SIMULATE, { quantities, source: state.source }));
    if (data) [state.sim, state.simError] = [data.simulateAllocation, null];
  } catch (err) {
    state.simError = errorText(err);
  }
  update();
}

async function loadInventory(): Promise<void> {
  try {
    const data = await call((api) => api.request<{ simulateInventory: Q.InventoryPage }>(Q.INVENTORY, {
      sku: state.inventorySku || null, first: INVENTORY_PAGE, offset: state.inventoryOffset, source: state.source,
    }));
    if (data) state.inventory = data.simulateInventory;
  } catch (err) {
    state.simError = errorText(err);
  }
  update();
}

async function loadRules(): Promise<void> {
  try {
    const data = await call((api) => api.request<{ allocationRules: Q.Rules }>(Q.RULES, { source: state.source }));
    if (data) state.rules = data.allocationRules;
    // Rule sets are staff data: partners see the rules in force only.
    if (canWrite()) {
      const sets = await call((api) => api.request<{ allocationRuleSets: Q.RuleSet[] }>(Q.RULE_SETS, { source: state.source }));
      if (sets) state.ruleSets = sets.allocationRuleSets;
    }
  } catch (err) {
    state.rulesNotice = { kind: 'error', text: errorText(err) };
  }
  update();
}

const decide = (id: number, approve: boolean) => async () => {
  try {
    const data = await call((api) => api.request<{ decision: Q.RuleSet }>(approve ? Q.APPROVE : Q.REJECT, { id }));
    if (data) state.rulesNotice = { kind: 'ok', text: t('decided', { id, status: data.decision.status }) };
  } catch (err) {
    state.rulesNotice = { kind: 'error', text: errorText(err) };
  }
  await loadRules();
};

function simulateView() {
  const inv = state.inventory;
  const pending = (state.ruleSets ?? []).filter((r) => r.status === 'PROPOSED');
  return html`<section class="card" id="simulate-widget" aria-labelledby="simulate-title">
    <header class="card-head"><h2 id="simulate-title">${t('tabSimulate')}</h2>${sourcePicker()}</header>
    <form class="inline" @submit=${(e: Event) => (e.preventDefault(), void simulate())}>
      <label>${t('quantities')} <input name="quantities" .value=${state.simInput} @input=${(e: Event) => (state.simInput = (e.target as HTMLInputElement).value)} /></label>
      <button type="submit" id="simulate">${t('simulate')}</button>
    </form>
    ${state.simError ? noticeView({ kind: 'error', text: state.simError }) : nothing}
    ${state.sim ? html`<table class="simulation">
      <thead><tr><th>${t('quantity')}</th><th>${t('allocated')}</th><th>${t('tier')}</th></tr></thead>
      <tbody>${state.sim.map((p) => html`<tr><td>${p.quantity}</td><td class="allocated">${p.allocated}</td><td class="tier">${p.tier ? share(p.tier) : '—'}</td></tr>`)}</tbody>
    </table>` : nothing}
    <div class="columns">
      <div>
        <h3>${t('rules')}</h3>
        ${state.rules ? html`<p><small>${state.rules.ruleSetId === null ? t('configDefault') : t('ruleSet', { id: state.rules.ruleSetId })}</small></p>
          <ul class="tiers">${state.rules.tiers.map((tier) => html`<li>${share(tier)}</li>`)}</ul>` : html`<p>${t('loading')}</p>`}
        ${canWrite() ? html`<h3>${t('pending')}</h3>
          ${noticeView(state.rulesNotice)}
          ${pending.length === 0 ? html`<p>${t('noPending')}</p>` : pending.map((p) => html`<div class="proposal" data-proposal=${p.id}>
            <p><strong>${t('ruleSet', { id: p.id })}</strong> — ${t('proposedBy', { who: p.proposedBy, at: fmtDate(p.proposedAt) })}${p.reason ? html`<br /><em>${p.reason}</em>` : nothing}</p>
            <ul class="tiers">${p.tiers.map((tier) => html`<li>${share(tier)}</li>`)}</ul>
            ${canManage() ? (p.proposedBy === state.claims?.sub ? html`<p><small>${t('ownProposal')}</small></p>` : html`<div class="buttons">
              <button type="button" class="approve" @click=${decide(p.id, true)}>${t('approve')}</button>
              <button type="button" class="danger reject" @click=${decide(p.id, false)}>${t('reject')}</button></div>`) : nothing}
          </div>`)}` : nothing}
      </div>
      <div>
        <h3>${t('currentInventory')}</h3>
        <label class="search">${t('searchSku')} <input type="search" name="inventory-sku" .value=${state.inventorySku} @input=${(e: Event) => {
          state.inventorySku = (e.target as HTMLInputElement).value.trim();
          state.inventoryOffset = 0;
          debounce(() => void loadInventory());
        }} /></label>
        ${!inv ? html`<p>${t('loading')}</p>` : html`<div class="scroll"><table class="inventory">
          <thead><tr><th>${t('sku')}</th><th>${t('sourceQuantity')}</th>${inv.items[0]?.channels.map((c) => html`<th>${c.channel}</th>`) ?? nothing}</tr></thead>
          <tbody>${inv.items.map((i) => html`<tr><td>${i.sku}</td><td>${i.sourceQuantity}</td>${i.channels.map((c) => html`<td>${c.quantity ?? '—'}</td>`)}</tr>`)}</tbody>
        </table></div>
        <div class="pager">
          <span>${t('page', { from: inv.total ? state.inventoryOffset + 1 : 0, to: Math.min(state.inventoryOffset + INVENTORY_PAGE, inv.total), total: inv.total })}</span>
          <button type="button" class="secondary" ?disabled=${state.inventoryOffset === 0} @click=${() => ((state.inventoryOffset = Math.max(0, state.inventoryOffset - INVENTORY_PAGE)), void loadInventory())}>${t('previous')}</button>
          <button type="button" class="secondary" ?disabled=${state.inventoryOffset + INVENTORY_PAGE >= inv.total} @click=${() => ((state.inventoryOffset += INVENTORY_PAGE), void loadInventory())}>${t('next')}</button>
        </div>`}
      </div>
    </div>
  </section>`;
}

// ---- stock -----------------------------------------------------------------------------------------------

async function showStock(): Promise<void> {
  const sku = state.stockSku.trim();
  if (!sku) return;
  try {
    const data = await call((api) => api.request<{ product: Q.ProductStock | null }>(Q.PRODUCT_STOCK, { sku }));
    if (data) [state.stock, state.stockError] = [data.product, null];
  } catch (err) {
    state.stockError = errorText(err);
  }
  update();
}

function stockView() {
  const p = state.stock;
  return html`<section class="card" id="stock-widget" aria-labelledby="stock-title">
    <header class="card-head"><h2 id="stock-title">${t('tabStock')}</h2></header>
    <form class="inline" @submit=${(e: Event) => (e.preventDefault(), void showStock())}>
      <label>${t('sku')} <input name="stock-sku" .value=${state.stockSku} @input=${(e: Event) => (state.stockSku = (e.target as HTMLInputElement).value)} placeholder="AMZ-000001" /></label>
      <button type="submit" id="show-stock">${t('show')}</button>
    </form>
    ${state.stockError ? noticeView({ kind: 'error', text: state.stockError }) : nothing}
    ${p === null ? html`<p>${t('notFound', { sku: state.stockSku })}</p>` : p ? html`<table class="stock" data-sku=${p.sku}>
      <thead><tr><th>${t('channel')}</th><th>${t('code')}</th><th>${t('quantity')}</th><th>${t('updatedAt')}</th></tr></thead>
      <tbody>
        <tr class="source"><td>${t('sourceQuantity')}</td><td>${p.sku}</td><td>${p.sourceQuantity ?? '—'}</td><td></td></tr>
        ${p.stock.map((s) => html`<tr data-channel=${s.channel}><td>${s.channel}</td><td>${s.code}</td><td>${s.quantity}</td><td>${fmtDate(s.updatedAt)}</td></tr>`)}
      </tbody></table>` : nothing}
    <h3>${t('liveFeed')}</h3>
    ${state.feed.length === 0 ? html`<p>${t('waiting')}</p>` : html`<ol class="feed">${state.feed.map((c) => html`
      <li data-sku=${c.sku}><time>${fmtDate(c.at)}</time> <strong>${c.sku}</strong> ${c.channel}: ${c.before ?? '—'} → ${c.after}${c.runId ? html` <small>#${c.runId}</small>` : nothing}</li>`)}</ol>`}
  </section>`;
}

// ---- shell -----------------------------------------------------------------------------------------------

function selectTab(tab: Tab): void {
  state.tab = tab;
  if (tab === 'status') void loadRuns();
  if (tab === 'health') void loadHealth();
  if (tab === 'simulate') {
    void loadRules();
    void loadInventory();
  }
  if (tab === 'orders') void orders.load();
  update();
}

function signInView() {
  const cfg = state.config;
  return html`<main class="sign-in">
    <form class="card" @submit=${(e: Event) => {
      e.preventDefault();
      signIn((e.target as HTMLFormElement).querySelector('textarea')!.value.trim());
    }}>
      <h1>${t('title')}</h1>
      ${cfg?.sandbox ? html`<p><span class="badge sandbox">${t('sandbox')}</span></p>` : nothing}
      ${state.signInMessage ? html`<p class="notice error" role="alert" id="sign-in-message">${state.signInMessage}</p>` : nothing}
      <label for="token">${t('tokenLabel')}</label>
      <textarea id="token" name="token" rows="4" spellcheck="false" autocomplete="off"></textarea>
      <small>${t('tokenHelp')}</small>
      <div class="buttons">
        <button type="submit" id="sign-in">${t('signIn')}</button>
        ${cfg?.sandboxToken ? html`<button type="button" id="use-sandbox-token" class="secondary" @click=${() => signIn(cfg.sandboxToken!)}>${t('useSandboxToken')}</button>` : nothing}
      </div>
      ${langSwitch()}
    </form>
  </main>`;
}

function langSwitch() {
  return html`<label class="lang">${t('language')} <select name="lang" @change=${(e: Event) => {
    state.lang = (e.target as HTMLSelectElement).value as Lang;
    keepLang(state.lang);
    update();
  }}>
    <option value="ja" ?selected=${state.lang === 'ja'}>日本語</option>
    <option value="en" ?selected=${state.lang === 'en'}>English</option>
  </select></label>`;
}

function view(): TemplateResult {
  if (!state.config) return html`<p class="loading">${t('loading')}</p>`;
  if (!state.claims) return signInView();
  const tabs: Tab[] = canWrite() ? ['status', 'actions', 'health', 'simulate', 'stock', 'orders'] : ['status', 'health', 'simulate', 'stock', 'orders'];
  const tabLabel: Record<Tab, MessageKey> = { status: 'tabStatus', actions: 'tabActions', health: 'tabHealth', simulate: 'tabSimulate', stock: 'tabStock', orders: 'tabOrders' };
  const body = { status: statusView, actions: actionsView, health: healthView, simulate: simulateView, stock: stockView, orders: () => orders.view() }[state.tab];
  return html`<header class="top">
    <h1>${t('title')}</h1>
    ${state.config.sandbox ? html`<span class="badge sandbox">${t('sandbox')}</span>` : nothing}
    <nav role="tablist">${tabs.map((tab) => html`<button type="button" role="tab" class="tab" data-tab=${tab} aria-selected=${state.tab === tab} @click=${() => selectTab(tab)}>${t(tabLabel[tab])}</button>`)}
      ${state.config.graphiql ? html`<a class="tab" href="/graphql">${t('graphiql')}</a>` : nothing}</nav>
    <div class="who">
      <span id="who">${t('signedInAs', { name: state.claims.sub, role: state.claims.role })}${canWrite() ? '' : ` · ${t('readOnly')}`}</span>
      ${langSwitch()}
      <button type="button" class="secondary" id="sign-out" @click=${() => signOut()}>${t('signOut')}</button>
    </div>
  </header>
  <main>${body()}</main>`;
}

keepLang(state.lang);
update();
try {
  state.config = await loadPageConfig();
} catch (err) {
  state.config = { sandbox: false, timezone: 'Asia/Tokyo', sandboxToken: null, graphiql: false };
  state.signInMessage = errorText(err);
}
const kept = sessionStorage.getItem(TOKEN_KEY);
if (kept) signIn(kept);
update();
