// The dashboard (web/, built by Vite into dist/web) and, in sandbox mode, GraphiQL at GET /graphql for browsers.
// Hashed assets are cached for a year; pages are revalidated on every load. Every answer carries a strict CSP:
// scripts and styles from this origin only, no inline scripts, no framing.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueToken } from '../platform/auth/tokens.js';

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self' data:",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.map': 'application/json; charset=utf-8',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** dist/web: beside the compiled gateway (dist/gateway), or under the project when running from source. */
function defaultRoot(): string {
  const up = join(dirname(fileURLToPath(import.meta.url)), '..');
  return basename(up) === 'dist' ? join(up, 'web') : join(up, 'dist', 'web');
}

export interface StaticOptions {
  /** The built dashboard; default dist/web. */
  root?: string;
  sandbox: boolean;
  timezone: string;
  /** Serve GraphiQL at GET /graphql to browsers. */
  graphiql: boolean;
  /** HS256 key for the sandbox operator token offered on the sign-in page; only read in sandbox mode. */
  signingKey?: Uint8Array;
}

/** True when the request is a browser asking for a page (not a GraphQL client). */
const wantsHtml = (req: IncomingMessage) => req.method === 'GET' && /\btext\/html\b/.test(req.headers.accept ?? '');

/** Returns a handler answering true when it served the request. */
export function createStaticHandler(opts: StaticOptions) {
  const root = normalize(opts.root ?? defaultRoot());

  async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, cache: string): Promise<boolean> {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return false;
    const headers = { ...SECURITY_HEADERS, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache };
    // Pages are small and revalidated: an ETag from size and time lets the browser keep its copy.
    const etag = `W/"${info.size.toString(16)}-${info.mtimeMs.toString(16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ...headers, etag });
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, etag, 'content-length': String(info.size) });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  }

  function notBuilt(res: ServerResponse): true {
    res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('The dashboard is not built: run `npm run build:web` (npm ci and npm run build do it).\n');
    return true;
  }

  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/graphql') {
      if (!opts.graphiql || !wantsHtml(req)) return false;
      return (await sendFile(req, res, join(root, 'graphiql.html'), REVALIDATE)) || notBuilt(res);
    }
    if (path === '/config.json') {
      // The page's settings. The sandbox operator token is offered only in sandbox mode, where the hub also prints it.
      const token = opts.sandbox && opts.signingKey
        ? await issueToken(opts.signingKey, { name: 'sandbox-operator', role: 'operator' })
        : null;
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ sandbox: opts.sandbox, timezone: opts.timezone, sandboxToken: token, graphiql: opts.graphiql }));
      return true;
    }
    if (path === '/' || path === '/index.html') return (await sendFile(req, res, join(root, 'index.html'), REVALIDATE)) || notBuilt(res);
    if (path === '/graphiql.html') return false;
    // Any other file of the build; the path may not leave the root.
    let file: string;
    try {
      file = normalize(join(root, decodeURIComponent(path)));
    } catch {
      return false;
    }
    if (!file.startsWith(root + sep)) return false;
    return sendFile(req, res, file, path.startsWith('/assets/') ? IMMUTABLE : REVALIDATE);
  };
}
