// Catalog owns the SKU master and its listings: which listing on which channel each source SKU feeds. Other
// modules reach it only through this file.
import type { Database, EntityManager } from '../../platform/db/index.js';
import type { ReportingService } from '../reporting/service.js';
import { AppError, InvalidInputError } from '../../platform/errors.js';
import {
  DEFAULT_SKU_MASTER_LIMITS, MAX_CODE_LENGTH, parseSkuMaster, SkuMasterInvalidError,
  type ListingCodes, type SkuMappingInput, type SkuMappingRecord, type SkuMasterColumns, type SkuMasterLimits, type SkuMasterRow,
} from './sku-master.js';
import type { ListingProvisioner } from './ports.js';

export {
  DEFAULT_SKU_MASTER_LIMITS, MAX_CODE_LENGTH, parseSkuMaster, SkuMasterInvalidError,
  type ListingCodes, type SkuMappingInput, type SkuMappingRecord, type SkuMasterColumns, type SkuMasterError, type SkuMasterLimits,
} from './sku-master.js';

/** Another SKU master import is running in this process: CONFLICT, CLI exit 1. */
export class ImportBusyError extends AppError {
  readonly code = 'CONFLICT';
  override readonly name = 'ImportBusyError';
}

/** Rows per statement: keeps each well under PostgreSQL's parameter and size limits. */
const UPSERT_CHUNK = 2000;

const chunks = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export interface ImportResult {
  imported: number;
  active: number;
  inactive: number;
  /** Mappings deleted by `replace` before the import. */
  replaced: number;
  /** Sandbox mode: listings created in the simulated channels, by channel. */
  sandboxListingsCreated?: Record<string, number>;
}

export interface MappingPage {
  rows: SkuMappingRecord[];
  /** The SKU of the last row: pass it as `after` for the next page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

export const MAX_PAGE_SIZE = 1000;

export class CatalogService {
  private importing = false;

  constructor(
    private readonly db: Database,
    private readonly reporting: ReportingService,
    private readonly columns: SkuMasterColumns,
    private readonly limits: SkuMasterLimits = DEFAULT_SKU_MASTER_LIMITS,
    private readonly provisioner?: ListingProvisioner,
  ) {}

  /**
   * Validates the whole master, then writes it and its audit entry in one transaction; a bad file changes nothing.
   * One import at a time per process: each holds a workbook's rows in memory.
   */
  async importSkuMaster(file: Buffer, opts: { replace?: boolean; actor: string; fileName?: string }): Promise<ImportResult> {
    if (this.importing) throw new ImportBusyError('another SKU master import is running in this process; try again when it has finished');
    this.importing = true;
    try {
      const result = await this.importParsed(await parseSkuMaster(file, this.columns, this.limits), opts);
      return this.provisioner ? { ...result, sandboxListingsCreated: await this.provisionListings(this.provisioner) } : result;
    } finally {
      this.importing = false;
    }
  }

  /** After an import: every channel the master's columns name gets the listings it lacks, page by page. */
  private async provisionListings(provisioner: ListingProvisioner): Promise<Record<string, number>> {
    const channels = [...new Set(Object.values(this.columns.listings))];
    const created: Record<string, number> = Object.fromEntries(channels.map((c) => [c, 0]));
    for (let after: string | null = null; ;) {
      const page = await this.listMappings({ first: MAX_PAGE_SIZE, after });
      for (const channel of channels) {
        const codes = page.rows.flatMap((r) => (r.listings[channel] ? [r.listings[channel]] : []));
        if (codes.length > 0) created[channel]! += await provisioner.createMissing(channel, codes);
      }
      if (!page.hasNextPage) return created;
      after = page.endCursor;
    }
  }

  private async importParsed(rows: SkuMasterRow[], opts: { replace?: boolean; actor: string; fileName?: string }): Promise<ImportResult> {
    const active = rows.filter((r) => r.isActive).length;
    return this.db.em().transactional(async (em) => {
      const { replaced } = await this.upsertMappings(rows, { replace: opts.replace }, em);
      const result = { imported: rows.length, active, inactive: rows.length - active, replaced };
      await this.reporting.audit(
        { actor: opts.actor, action: 'catalog.import-sku-master', subject: opts.fileName ?? 'sku master', detail: { ...result, replace: Boolean(opts.replace) } },
        em,
      );
      return result;
    });
  }

  /**
   * Inserts or updates mappings by SKU (the last of duplicate SKUs wins), each SKU's listings replaced by
   * the given ones; with `replace`, every existing mapping is deleted first. Atomic; joins the caller's
   * transaction when given its EntityManager.
   */
  async upsertMappings(rows: SkuMappingInput[], opts: { replace?: boolean } = {}, em?: EntityManager): Promise<{ upserted: number; replaced: number }> {
    const bySku = new Map<string, SkuMappingInput>();
    for (const row of rows) {
      checkMapping(row);
      bySku.set(row.sku, row);
    }
    const unique = [...bySku.values()];
    checkListingsUnique(unique);
    return (em ?? this.db.em()).transactional(async (tx) => {
      let replaced = 0;
      if (opts.replace) {
        await tx.execute('delete from listing', [], 'run');
        replaced = (await tx.execute<{ affectedRows: number }>('delete from sku_mapping', [], 'run')).affectedRows;
      }
      // Every old listing of these SKUs goes before any new one is written, so a code may move between them.
      for (const part of chunks(unique, UPSERT_CHUNK)) {
        const json = JSON.stringify(part.map((r) => ({ sku: r.sku, active: r.isActive })));
        // now() is the transaction's start time, so one import shares one imported_at.
        await tx.execute(
          `insert into sku_mapping (sku, is_active, imported_at)
           select sku, active, now() from json_to_recordset(?::json) as x(sku text, active boolean)
           on conflict (sku) do update set is_active = excluded.is_active, imported_at = excluded.imported_at`,
          [json], 'run',
        );
        await tx.execute('delete from listing where sku in (select sku from json_to_recordset(?::json) as x(sku text))', [json], 'run');
      }
      const listings = unique.flatMap((r) => Object.entries(r.listings).map(([channel, code]) => ({ sku: r.sku, channel, code })));
      for (const part of chunks(listings, UPSERT_CHUNK)) {
        const json = JSON.stringify(part);
        const [taken] = await tx.execute<{ channel: string; code: string; sku: string; owner: string }[]>(
          `select x.channel, x.code, x.sku, l.sku as owner from json_to_recordset(?::json) as x(sku text, channel text, code text)
           join listing l on l.channel = x.channel and l.code = x.code limit 1`,
          [json],
        );
        if (taken) {
          throw new SkuMasterInvalidError([{
            row: 0, column: 'file',
            message: `${taken.channel} listing "${taken.code}" for ${taken.sku} already belongs to ${taken.owner}, which this import does not change; a listing feeds one SKU`,
          }]);
        }
        await tx.execute(
          'insert into listing (sku, channel, code) select sku, channel, code from json_to_recordset(?::json) as x(sku text, channel text, code text)',
          [json], 'run',
        );
      }
      return { upserted: unique.length, replaced };
    });
  }

  /** Every mapping with its flag and listings, so the sync engine can tell an unmapped SKU from an inactive one. */
  async allMappings(): Promise<Map<string, { isActive: boolean; listings: ListingCodes }>> {
    const rows = await this.mappings('', [], '', false);
    return new Map(rows.map((r) => [r.sku, { isActive: r.is_active, listings: r.listings }]));
  }

  /**
   * The flag and listings of the given SKUs, as the sync engine looks them up page by page (no import times, no
   * ordering); SKUs without a mapping are absent.
   */
  async syncMappings(skus: readonly string[]): Promise<Map<string, { isActive: boolean; listings: ListingCodes }>> {
    if (skus.length === 0) return new Map();
    const rows = await this.mappings('where m.sku in (select json_array_elements_text(?::json))', [JSON.stringify(skus)], '', false);
    return new Map(rows.map((r) => [r.sku, { isActive: r.is_active, listings: r.listings }]));
  }

  /** How many active SKUs have a listing on any of the channels. */
  async countActiveListed(channels: readonly string[]): Promise<number> {
    const [row] = await this.db.em().execute<{ n: number }[]>(
      `select count(*)::int as n from sku_mapping m
       where m.is_active and exists (select 1 from listing l where l.sku = m.sku and l.channel in (select json_array_elements_text(?::json)))`,
      [JSON.stringify(channels)],
    );
    return row!.n;
  }

  /** The listings of every active SKU. */
  async activeMappings(): Promise<Map<string, ListingCodes>> {
    const rows = await this.mappings('where m.is_active', [], '', false);
    return new Map(rows.map((r) => [r.sku, r.listings]));
  }

  // Raw rows, one per SKU with its listings as one JSON object: hydrating 100,000 entities would cost more than the query.
  // The sync engine's reads leave imported_at out: 100,000 Date objects it never looks at.
  private mappings(where: string, params: unknown[], tail = '', importedAt = true) {
    return this.db.em().execute<{ sku: string; is_active: boolean; imported_at: Date; listings: ListingCodes }[]>(
      `select m.sku, m.is_active${importedAt ? ', m.imported_at' : ''},
              coalesce((select json_object_agg(l.channel, l.code order by l.channel) from listing l where l.sku = m.sku), '{}'::json) as listings
       from sku_mapping m ${where} ${tail}`,
      params,
    );
  }

  async mappingStats(): Promise<{ total: number; active: number; inactive: number }> {
    const [row] = await this.db
      .em()
      .execute<{ total: number; active: number }[]>('select count(*)::int as total, count(*) filter (where is_active)::int as active from sku_mapping');
    return { total: row!.total, active: row!.active, inactive: row!.total - row!.active };
  }

  /** The mappings of the given SKUs, active or not; SKUs without a mapping are absent from the map. */
  async getMappings(skus: string[]): Promise<Map<string, SkuMappingRecord>> {
    if (skus.length === 0) return new Map();
    const rows = await this.mappings('where m.sku in (select json_array_elements_text(?::json))', [JSON.stringify([...new Set(skus)])]);
    return new Map(rows.map((r) => [r.sku, this.toRecord(r)]));
  }

  /** All mappings in SKU order, `first` at a time, starting after the `after` cursor. */
  async listMappings(opts: { first: number; after?: string | null }): Promise<MappingPage> {
    if (!Number.isInteger(opts.first) || opts.first < 1 || opts.first > MAX_PAGE_SIZE) {
      throw new InvalidInputError('first', `first must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${opts.first}`);
    }
    const found = await this.mappings(
      opts.after ? 'where m.sku > ?' : '', opts.after ? [opts.after] : [], `order by m.sku limit ${opts.first + 1}`,
    );
    const rows = found.slice(0, opts.first).map((r) => this.toRecord(r));
    return { rows, endCursor: rows.at(-1)?.sku ?? null, hasNextPage: found.length > opts.first };
  }

  /** Listings in the master's column order, then any other channel's by id: what readers are shown. */
  private toRecord(r: { sku: string; is_active: boolean; imported_at: Date; listings: ListingCodes }): SkuMappingRecord {
    const order = Object.values(this.columns.listings);
    const rank = (channel: string) => (order.includes(channel) ? order.indexOf(channel) : order.length);
    const listings = Object.fromEntries(Object.entries(r.listings).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)));
    return { sku: r.sku, isActive: r.is_active, listings, importedAt: new Date(r.imported_at) };
  }
}

/** The rules the database relies on, for callers that bypass the Excel parser (e.g. sandbox seeding). */
function checkMapping(row: SkuMappingInput): void {
  const refuse = (message: string) => new InvalidInputError('mappings', message);
  if (!row.sku) throw refuse('a mapping needs a SKU');
  const codes = Object.values(row.listings);
  if (codes.length === 0) throw refuse(`mapping ${row.sku} has no listing on any channel`);
  if ([row.sku, ...codes].some((c) => c.length > MAX_CODE_LENGTH)) throw refuse(`mapping ${row.sku} has a code longer than ${MAX_CODE_LENGTH} characters`);
}

/** A listing feeds one SKU: two mappings naming the same code on one channel are refused before anything is written. */
function checkListingsUnique(rows: SkuMappingInput[]): void {
  const owner = new Map<string, string>();
  for (const row of rows) {
    for (const [channel, code] of Object.entries(row.listings)) {
      const key = `${channel}\u0000${code}`;
      const first = owner.get(key);
      if (first !== undefined && first !== row.sku) {
        throw new InvalidInputError('mappings', `${channel} listing "${code}" is named by both ${first} and ${row.sku}; a listing feeds one SKU`);
      }
      owner.set(key, row.sku);
    }
  }
}

