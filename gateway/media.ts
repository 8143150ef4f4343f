// Product images the media module stored, at /media/<content hash>.<ext>: a name is its content's hash, so a file
// never changes under its URL — cached for a year (immutable), with the hash as a strong ETag.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mediaPath } from '../subgraphs/media/store.js';
import { SECURITY_HEADERS } from './static.js';

const PREFIX = '/media/';
const FILE = /^([0-9a-f]{64})\.(webp)$/;
const TYPES: Record<string, string> = { webp: 'image/webp' };

/** Returns a handler answering true when it served the request (a /media/ path it does not know is a 404). */
export function createMediaHandler(opts: { dir: string }) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (!path.startsWith(PREFIX)) return false;
    const m = FILE.exec(path.slice(PREFIX.length));
    const info = m && (req.method === 'GET' || req.method === 'HEAD') ? await stat(mediaPath(opts.dir, m[1]!, m[2]!)).catch(() => undefined) : undefined;
    if (!m || !info?.isFile()) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('not found\n');
      return true;
    }
    const headers = {
      ...SECURITY_HEADERS,
      // Images are embedded by other origins (a shop's pages, the dashboard in development).
      'cross-origin-resource-policy': 'cross-origin',
      'content-type': TYPES[m[2]!]!,
      'cache-control': 'public, max-age=31536000, immutable',
      etag: `"${m[1]}"`,
    };
    if (req.headers['if-none-match'] === headers.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-length': String(info.size) });
    if (req.method === 'HEAD') res.end();
    else createReadStream(mediaPath(opts.dir, m[1]!, m[2]!)).pipe(res);
    return true;
  };
}
