// The wms block of config/integrations.yaml: an api_key, the REST API, the WebSocket stream, the FTP drop box,
// which of REST and FTP the batches read, the drop files' encoding and the watermark's overlap.
import { z } from 'zod';
import type { RateLimit } from '../../platform/http/index.js';
import { authSchema, integrationBlock, optionalString, rateLimitSchema } from '../../platform/integrations/index.js';

/** sync_schedule names (the specification's) → the operation each schedules. */
export const SCHEDULED_OPERATIONS: Record<string, string> = {
  incremental_sync: 'stock-incremental',
  full_sync: 'stock-full',
  ftp_import: 'ftp-import',
};

const ftpUrl = z
  .string()
  .url()
  .refine((u) => /^ftp:\/\/[^/]+\/?$/.test(u), 'an ftp:// URL with a host and optional port, no path (the directory is `dir`)');

const ftpSchema = z.strictObject({
  url: optionalString.pipe(ftpUrl.optional()),
  user: optionalString,
  password: optionalString,
  /** The directory the WMS drops its files into; done/ and error/ are made beneath it. */
  dir: z.string().regex(/^\/[^\0]*$/, 'an absolute path on the FTP server, e.g. /outbound/stock').default('/'),
});

const blockSchema = integrationBlock({
  auth: authSchema('api_key', { key: optionalString }),
  endpoints: z.strictObject({
    api: z.string().url(),
    stream: z.string().url().refine((u) => /^wss?:\/\//.test(u), 'a ws:// or wss:// URL'),
    ftp: ftpSchema.optional(),
  }),
  settings: z
    .strictObject({
      /** What stock-incremental and stock-full read: the REST API, or the newest file on the FTP server. */
      batch_source: z.enum(['rest', 'ftp']).default('rest'),
      csv_encoding: z.enum(['utf8', 'shift_jis']).default('utf8'),
      /** How far before the watermark an incremental read starts again (rows committed late, equal timestamps). */
      overlap_seconds: z.coerce.number().int().min(0).max(86_400).default(120),
      /** Items per REST page (the API's limit is 100). */
      page_size: z.coerce.number().int().min(1).max(100).default(100),
      /** Largest drop file read; a bigger one is refused whole. */
      max_file_mb: z.coerce.number().int().min(1).max(1024).default(50),
      /** WebSocket ping interval; a peer that does not answer within the same time again is dropped. */
      ping_seconds: z.coerce.number().min(0.05).max(300).default(15),
    })
    .prefault({}),
  rate_limit: rateLimitSchema.default({ perSecond: 20, burst: 20 }),
});

export const wmsConfigSchema = blockSchema
  .superRefine((b, ctx) => {
    for (const key of Object.keys(b.sync_schedule)) {
      if (!Object.hasOwn(SCHEDULED_OPERATIONS, key)) {
        ctx.addIssue({ code: 'custom', path: ['sync_schedule', key], message: `no such schedule (known: ${Object.keys(SCHEDULED_OPERATIONS).join(', ')})` });
      }
    }
    const ftp = b.endpoints.ftp;
    if (b.settings.batch_source === 'ftp' && !ftp?.url) {
      ctx.addIssue({ code: 'custom', path: ['settings', 'batch_source'], message: 'ftp needs endpoints.ftp.url' });
    }
    if (b.sync_schedule.ftp_import && !ftp?.url) {
      ctx.addIssue({ code: 'custom', path: ['sync_schedule', 'ftp_import'], message: 'needs endpoints.ftp.url' });
    }
  })
  // The registry schedules operations by name: the specification's schedule names become the operations they run.
  .transform((b) => ({
    ...b,
    sync_schedule: Object.fromEntries(Object.entries(b.sync_schedule).map(([k, cron]) => [SCHEDULED_OPERATIONS[k]!, cron])),
  }));

export type WmsBlock = z.infer<typeof wmsConfigSchema>;

export interface WmsFtpConfig {
  host: string;
  port: number;
  user?: string;
  password?: string;
  dir: string;
}

/** What the client reads. */
export interface WmsConfig {
  /** The block's name: the system in logs, state and metrics. */
  system: string;
  apiUrl: string;
  apiKey?: string;
  streamUrl: string;
  ftp?: WmsFtpConfig;
  batchSource: 'rest' | 'ftp';
  csvEncoding: 'utf8' | 'shift_jis';
  overlapSeconds: number;
  pageSize: number;
  maxFileBytes: number;
  pingMs: number;
  rateLimit: RateLimit;
}

export function wmsClientConfig(b: WmsBlock): WmsConfig {
  const ftp = b.endpoints.ftp;
  const ftpUrl = ftp?.url ? new URL(ftp.url) : undefined;
  return {
    system: b.name,
    apiUrl: b.endpoints.api,
    apiKey: b.auth.key,
    streamUrl: b.endpoints.stream,
    ftp: ftpUrl ? { host: ftpUrl.hostname, port: Number(ftpUrl.port || 21), user: ftp!.user, password: ftp!.password, dir: ftp!.dir } : undefined,
    batchSource: b.settings.batch_source,
    csvEncoding: b.settings.csv_encoding,
    overlapSeconds: b.settings.overlap_seconds,
    pageSize: b.settings.page_size,
    maxFileBytes: b.settings.max_file_mb * 1024 * 1024,
    pingMs: Math.round(b.settings.ping_seconds * 1000),
    rateLimit: b.rate_limit,
  };
}
