// Product images the media module stored, at /media/<content hash>.<ext>, from whichever store config names (the
// data directory or a bucket): a name is its content's hash, so a file never changes under its URL — cached for a
// year (immutable), with the hash as a strong ETag.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../platform/log/index.js';
import type { MediaStore } from '../subgraphs/media/store.js';
import { SECURITY_HEADERS } from './static.js';

const PREFIX = '/media/';
const FILE = /^([0-9a-f]{64})\.(webp)$/;
const TYPES: Record<string, string> = { webp: 'image/webp' };

/** Returns a handler answering true when it served the request (a /media/ path it does not know is a 404). */
export function createMediaHandler(opts: { store: MediaStore; logger: Logger }) {
  const { store } = opts;
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (!path.startsWith(PREFIX)) return false;
    const m = FILE.exec(path.slice(PREFIX.length));
    const notFound = () => {
      res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('not found\n');
      return true;
    };
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound();
    const [, hash, ext] = m as unknown as [string, string, string];
    const headers = {
      ...SECURITY_HEADERS,
      // Images are embedded by other origins (a shop's pages, the dashboard in development).
      'cross-origin-resource-policy': 'cross-origin',
      'content-type': TYPES[ext]!,
      'cache-control': 'public, max-age=31536000, immutable',
      etag: `"${hash}"`,
    };
    try {
      if (req.headers['if-none-match'] === headers.etag) {
        if (!(await store.has(hash, ext))) return notFound();
        res.writeHead(304, headers);
        res.end();
        return true;
      }
      if (req.method === 'HEAD') {
        const bytes = await store.size(hash, ext);
        if (bytes === null) return notFound();
        res.writeHead(200, { ...headers, 'content-length': String(bytes) });
        res.end();
        return true;
      }
      const found = await store.read(hash, ext);
      if (!found) return notFound();
      res.writeHead(200, { ...headers, 'content-length': String(found.bytes) });
      await pipeline(found.body, res);
    } catch (err) {
      // Once the body is under way the error is the transfer's (often the client leaving): the response just ends.
      if (res.headersSent) {
        res.destroy();
        return true;
      }
      opts.logger.error({ err }, `media ${hash}.${ext}: the store did not answer`);
      res.writeHead(502, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('the media store did not answer\n');
    }
    return true;
  };
}
