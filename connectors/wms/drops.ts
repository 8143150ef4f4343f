// The WMS's FTP drop box: stock CSV files the WMS uploads as `*.tmp` and renames when complete. Only complete
// files (`*.csv`) are taken; each is imported exactly once (its name and SHA-256 recorded in the database), then
// moved to done/; a file with any bad row imports nothing and goes to error/ with a report naming every bad row.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Client as FtpClient, FTPError, type FileInfo } from 'basic-ftp';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type { CallOutcome } from '../../platform/http/index.js';
import type { IntegrationState } from '../../platform/integrations/state.js';
import type { Logger } from '../../platform/log/index.js';
import type { Mapping } from '../../platform/transform/index.js';
import { mapStock, WmsApiError, type WmsStockRecord } from './client.js';
import type { WmsFtpConfig } from './config.js';

/** The header the files carry (the columns of the specification's WMS mapping); any order, more columns ignored. */
export const CSV_COLUMNS = ['product_code', 'available_quantity', 'reserved_quantity', 'warehouse_location'] as const;
export const DONE_DIR = 'done';
export const ERROR_DIR = 'error';
/** A claim older than this belongs to a process that died mid-import: another may take the file over. */
const CLAIM_STALE_MS = 15 * 60_000;
const REPORT_SUFFIX = '.errors.txt';

export interface ParsedDrop {
  rows: Omit<WmsStockRecord, 'updatedAt'>[];
  /** Every bad row ("line 4: ..."), or what makes the whole file unreadable. */
  bad: string[];
}

export interface ImportResult {
  file: string;
  checksum: string;
  /** imported; rejected (bad rows, moved to error/); duplicate (imported or rejected before: only moved); busy (another process has it). */
  status: 'imported' | 'rejected' | 'duplicate' | 'busy';
  rows: number;
  badRows: number;
  /** The error report's path on the server (rejected files). */
  report?: string;
}

interface ImportRecord {
  status: 'importing' | 'imported' | 'rejected';
  at: string;
  rows?: number;
  badRows?: number;
}

/** Decodes and parses a stock file; every bad row is named by its line. Bounded by the caller's size limit. */
export function parseStockCsv(bytes: Buffer, encoding: 'utf8' | 'shift_jis', mapping: Mapping): ParsedDrop {
  let text: string;
  if (encoding === 'utf8') {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      return { rows: [], bad: ['file: not valid UTF-8 (a Shift_JIS file needs settings.csv_encoding: shift_jis)'] };
    }
  } else {
    text = iconv.decode(bytes, 'Shift_JIS');
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as typeof records;
  } catch (err) {
    return { rows: [], bad: [`file: not readable as CSV: ${(err as Error).message}`] };
  }
  const [head, ...body] = records;
  const header = head?.record.map((h) => h.trim()) ?? [];
  const missing = CSV_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) return { rows: [], bad: [`line 1: the header lacks ${missing.join(', ')} (it needs ${CSV_COLUMNS.join(',')})`] };
  const duplicated = header.filter((h, i) => header.indexOf(h) !== i);
  if (duplicated.length > 0) return { rows: [], bad: [`line 1: the header repeats ${[...new Set(duplicated)].join(', ')}`] };

  const rows: ParsedDrop['rows'] = [];
  const bad: string[] = [];
  const firstLine = new Map<string, number>();
  for (const { record, info } of body) {
    const problems: string[] = [];
    if (record.some((v) => v.includes('\uFFFD'))) problems.push(`bytes that are not ${encoding === 'utf8' ? 'UTF-8' : 'Shift_JIS'}`);
    if (record.length !== header.length) problems.push(`${record.length} fields where the header has ${header.length}`);
    const raw = Object.fromEntries(header.map((h, i) => [h, record[i]]));
    const { stock, problems: mapped } = mapStock(mapping, raw);
    problems.push(...mapped);
    if (stock) {
      const seen = firstLine.get(stock.sku);
      if (seen !== undefined) problems.push(`product_code ${stock.sku} is also on line ${seen}`);
      else firstLine.set(stock.sku, info.lines);
    }
    if (problems.length > 0 || !stock) bad.push(`line ${info.lines}: ${problems.join('; ')}`);
    else rows.push(stock);
  }
  return { rows, bad };
}

/** Complete stock files (`*.csv`; an upload still named `*.tmp` is not one), by name. */
const completeFiles = (list: FileInfo[]) => list.filter((f) => f.isFile && /\.csv$/i.test(f.name)).sort((a, b) => a.name.localeCompare(b.name));

export interface WmsDropsOptions {
  system: string;
  ftp: WmsFtpConfig;
  encoding: 'utf8' | 'shift_jis';
  maxFileBytes: number;
  mapping: Mapping;
  state: IntegrationState;
  timeoutMs: number;
  logger: Logger;
  onOutcome?: (outcome: CallOutcome) => void;
}

export class WmsDrops {
  constructor(private readonly opts: WmsDropsOptions) {}

  /** Complete files waiting in the drop directory (`*.csv`; an upload still named `*.tmp` is not), by name. */
  async pending(): Promise<FileInfo[]> {
    return this.session('ftpList', async (c) => completeFiles(await c.list(this.opts.ftp.dir)));
  }

  /**
   * Imports every waiting file, oldest name first, each exactly once: `apply` gets a file's rows only when every
   * row is good. A failing `apply` leaves its file waiting (tried again next time) and stops the pass.
   */
  async importPending(apply: (file: string, records: WmsStockRecord[]) => Promise<void>): Promise<ImportResult[]> {
    const results: ImportResult[] = [];
    for (const file of await this.pending()) results.push(await this.importOne(file, apply));
    return results;
  }

  /** What importing would do, changing nothing: each waiting file's rows, or its bad rows (a dry run). */
  async inspect(): Promise<{ file: string; records: WmsStockRecord[]; bad: string[] }[]> {
    const out = [];
    for (const file of await this.pending()) {
      if (file.size > this.opts.maxFileBytes) {
        out.push({ file: file.name, records: [], bad: [`file: ${file.size} bytes; the limit is ${this.opts.maxFileBytes} (settings.max_file_mb)`] });
        continue;
      }
      const { bytes, at } = await this.download(posix.join(this.opts.ftp.dir, file.name));
      const { rows, bad } = parseStockCsv(bytes, this.opts.encoding, this.opts.mapping);
      out.push({ file: file.name, records: bad.length ? [] : rows.map((r) => ({ ...r, updatedAt: at.toISOString() })), bad });
    }
    return out;
  }

  /** The newest complete file, waiting or done (by modification time, then name), read whole; null when none. */
  async newest(): Promise<{ file: string; records: WmsStockRecord[] } | null> {
    const { dir } = this.opts.ftp;
    const found = await this.session('ftpList', async (c) => {
      const entries = await c.list(dir);
      // done/ exists once something was imported.
      const done = entries.some((e) => e.isDirectory && e.name === DONE_DIR) ? await c.list(posix.join(dir, DONE_DIR)) : [];
      const candidates = [
        ...completeFiles(entries).map((f) => posix.join(dir, f.name)),
        ...completeFiles(done).map((f) => posix.join(dir, DONE_DIR, f.name)),
      ];
      // One command at a time on an FTP connection.
      const dated: { path: string; at: Date }[] = [];
      for (const path of candidates) dated.push({ path, at: await c.lastMod(path) });
      dated.sort((a, b) => a.at.getTime() - b.at.getTime() || a.path.localeCompare(b.path));
      return dated.pop();
    });
    if (!found) return null;
    const { bytes } = await this.download(found.path);
    const { rows, bad } = parseStockCsv(bytes, this.opts.encoding, this.opts.mapping);
    if (bad.length > 0) {
      throw new WmsApiError(`${this.opts.system}: the newest stock file ${found.path} has ${bad.length} bad row(s): ${bad.slice(0, 5).join('; ')}`, null);
    }
    const updatedAt = found.at.toISOString();
    return { file: found.path, records: rows.map((r) => ({ ...r, updatedAt })) };
  }

  private async importOne(file: FileInfo, apply: (file: string, records: WmsStockRecord[]) => Promise<void>): Promise<ImportResult> {
    const { dir } = this.opts.ftp;
    const path = posix.join(dir, file.name);
    let fetched: { bytes: Buffer; at: Date } | undefined;
    try {
      fetched = file.size > this.opts.maxFileBytes ? undefined : await this.download(path);
    } catch (err) {
      // Gone since the listing: another process imported and moved it.
      if (err instanceof WmsApiError && err.status === 550) return { file: file.name, checksum: '', status: 'busy', rows: 0, badRows: 0 };
      throw err;
    }
    const bytes = fetched?.bytes;
    // A file too big to read is refused by its name and size.
    const checksum = createHash('sha256').update(bytes ?? `${file.name}:${file.size}`).digest('hex');
    const key = `ftp.import:${file.name}:${checksum}`;
    const result = (status: ImportResult['status'], rows: number, badRows: number, report?: string): ImportResult => ({ file: file.name, checksum, status, rows, badRows, ...(report ? { report } : {}) });

    const prior = await this.opts.state.get<ImportRecord>(key);
    if (prior?.status === 'imported' || prior?.status === 'rejected') {
      // Seen before (the move afterwards failed, or the WMS sent the same file again): only moved.
      await this.move(file.name, checksum, prior.status === 'imported' ? DONE_DIR : ERROR_DIR);
      return result('duplicate', prior.rows ?? 0, prior.badRows ?? 0);
    }
    const stale = prior?.status === 'importing' && Date.now() - Date.parse(prior.at) > CLAIM_STALE_MS;
    if (prior && !stale) return result('busy', 0, 0);

    const { rows, bad } = bytes
      ? parseStockCsv(bytes, this.opts.encoding, this.opts.mapping)
      : { rows: [], bad: [`file: ${file.size} bytes; the limit is ${this.opts.maxFileBytes} (settings.max_file_mb)`] };
    if (bad.length > 0) {
      const report = await this.reject(file.name, checksum, rows.length + bad.length, bad);
      await this.opts.state.put(key, { status: 'rejected', at: new Date().toISOString(), badRows: bad.length } satisfies ImportRecord);
      await this.move(file.name, checksum, ERROR_DIR);
      this.opts.logger.warn({ system: this.opts.system, file: file.name, badRows: bad.length }, `${this.opts.system}: ${file.name} rejected: ${bad.length} bad row(s), nothing imported (report ${report})`);
      return result('rejected', 0, bad.length, report);
    }

    const claim: ImportRecord = { status: 'importing', at: new Date().toISOString() };
    if (stale) await this.opts.state.put(key, claim);
    else if (!(await this.opts.state.insertIfAbsent(key, claim))) return result('busy', 0, 0);
    const at = fetched!.at.toISOString();
    try {
      await apply(file.name, rows.map((r) => ({ ...r, updatedAt: at })));
    } catch (err) {
      await this.opts.state.delete(key);
      throw err;
    }
    await this.opts.state.put(key, { status: 'imported', at: new Date().toISOString(), rows: rows.length } satisfies ImportRecord);
    await this.move(file.name, checksum, DONE_DIR);
    return result('imported', rows.length, 0);
  }

  /** Writes error/<file>.errors.txt naming every bad row; returns its path. */
  private async reject(name: string, checksum: string, total: number, bad: string[]): Promise<string> {
    const target = posix.join(this.opts.ftp.dir, ERROR_DIR, `${name}${REPORT_SUFFIX}`);
    const text = [
      `${name} (sha256 ${checksum}): ${bad.length} bad row(s) of ${total}; nothing was imported.`,
      'Fix the rows and upload the file again.',
      '',
      ...bad,
      '',
    ].join('\n');
    await this.session('ftpReport', async (c) => {
      await c.ensureDir(posix.join(this.opts.ftp.dir, ERROR_DIR));
      await c.uploadFrom(Readable.from([Buffer.from(text, 'utf8')]), target);
    });
    return target;
  }

  /** Moves a file from the drop directory into `sub`/ (a name already there gets the checksum added). */
  private async move(name: string, checksum: string, sub: string): Promise<void> {
    const { dir } = this.opts.ftp;
    await this.session('ftpMove', async (c) => {
      const target = posix.join(dir, sub);
      await c.ensureDir(target);
      const taken = new Set((await c.list(target)).map((f) => f.name));
      const ext = posix.extname(name);
      const unique = taken.has(name) ? `${name.slice(0, name.length - ext.length)}.${checksum.slice(0, 12)}${ext}` : name;
      await c.rename(posix.join(dir, name), posix.join(target, unique));
    });
  }

  /** The file's bytes (refused past the size limit) and its modification time: the WMS time of its rows. */
  private async download(path: string): Promise<{ bytes: Buffer; at: Date }> {
    const limit = this.opts.maxFileBytes;
    return this.session('ftpDownload', async (c) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > limit) return done(new Error(`${path} is larger than ${limit} bytes (settings.max_file_mb)`));
          chunks.push(chunk);
          done();
        },
      });
      await c.downloadTo(sink, path);
      return { bytes: Buffer.concat(chunks), at: await c.lastMod(path) };
    });
  }

  /** One FTP session (connect, log in, work, close), recorded in the integration log; errors name the server. */
  private async session<T>(operation: string, work: (c: FtpClient) => Promise<T>): Promise<T> {
    const { host, port, user, password, dir } = this.opts.ftp;
    const started = Date.now();
    const client = new FtpClient(this.opts.timeoutMs);
    const record = (ok: boolean, status: number | null, error?: string) =>
      this.opts.onOutcome?.({
        system: this.opts.system, operation, method: 'FTP', url: `ftp://${host}:${port}${dir}`, status, ok, attempts: 1,
        durationMs: Date.now() - started, error, at: new Date(),
      });
    try {
      await client.access({ host, port, user, password });
      const out = await work(client);
      record(true, null);
      return out;
    } catch (err) {
      const code = err instanceof FTPError ? err.code : null;
      const hint = code === 530 ? ': check endpoints.ftp.user and password of the wms block' : '';
      const message = `${this.opts.system} ${operation}: FTP ${host}:${port}${code ? ` ${code}` : ''}: ${(err as Error).message}${hint}`;
      record(false, code, message);
      throw err instanceof WmsApiError ? err : new WmsApiError(message, code);
    } finally {
      client.close();
    }
  }
}
