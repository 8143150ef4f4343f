// The shop authorisation behind `tsunagi shopee authorize --country SG`: the signed auth_partner link (valid 5
// minutes), the seller's consent, Shopee's redirect to our loopback callback with ?code=&shop_id= (or the code
// typed in), and the code exchanged once (within 10 minutes) for the shop's tokens, stored encrypted.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { PATHS, signature, signatureBase, type ShopeeClient } from './client.js';
import type { ShopConfig } from './config.js';

/** The link the seller opens: Public-API signed, with our redirect. */
export function authorizationUrl(client: ShopeeClient, redirect = client.config.redirectUrl, timestamp = Math.floor(Date.now() / 1000)): string {
  const { partnerId, partnerKey, host } = client.config;
  if (partnerId === undefined || !partnerKey) throw new Error(`${client.config.system}.auth.partner_id and partner_key must be configured (config/integrations.yaml)`);
  const url = new URL(PATHS.authPartner, host);
  url.searchParams.set('partner_id', String(partnerId));
  url.searchParams.set('timestamp', String(timestamp));
  url.searchParams.set('sign', signature(partnerKey, signatureBase(partnerId, PATHS.authPartner, timestamp)));
  url.searchParams.set('redirect', redirect);
  return url.toString();
}

export interface AuthorizeOptions {
  client: ShopeeClient;
  shop: ShopConfig;
  /** Receives the link; the CLI prints it for the seller to open. */
  onUrl: (url: string) => void;
  /** The code from the redirect, typed in: no callback server is started. */
  code?: string;
  /** How long to wait for the redirect (Shopee's code lives 10 minutes). */
  timeoutMs?: number;
}

export interface Authorized {
  shopId: number;
  shopName: string | null;
  /** When the seller's authorisation ends (at most 365 days); null when Shopee gives no date. */
  expiresAt: Date | null;
}

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body></html>`;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Runs the authorisation of one shop. The redirect must name the shop config lists for that market: a seller
 * who logs in to another shop is refused, nothing stored.
 */
export async function authorizeShop(opts: AuthorizeOptions): Promise<Authorized> {
  const { client, shop } = opts;
  const expectedShop = shop.shopId;
  if (expectedShop === undefined) throw new Error(`${client.config.system}.settings.shops: ${shop.country} has no shop_id`);
  const exchange = async (code: string, shopId: number | null): Promise<Authorized> => {
    if (shopId !== null && shopId !== expectedShop) {
      throw new Error(`the seller authorised shop ${shopId}, but config lists shop ${expectedShop} for ${shop.country}; log in to the ${shop.country} shop and authorise again`);
    }
    const done = await client.exchangeCode(shop, code);
    return { shopId: expectedShop, shopName: done.shopName, expiresAt: done.expiresAt };
  };
  if (opts.code !== undefined) {
    opts.onUrl(authorizationUrl(client));
    return exchange(opts.code, null);
  }

  const redirect = new URL(client.config.redirectUrl);
  if (redirect.protocol !== 'http:') throw new Error(`${client.config.system}.auth.redirect_url must be an http:// loopback address for the local callback, got ${client.config.redirectUrl} (or give --code)`);
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  let settled = false;
  let busy = false;
  let finish!: (err: Error | undefined, value?: Authorized) => void;
  const result = new Promise<Authorized>((resolve, reject) => {
    finish = (err, value) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(value!);
    };
  });
  const answer = (res: ServerResponse, status: number, title: string, text: string, then?: () => void) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', connection: 'close' });
    res.end(page(title, text), then);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', client.config.redirectUrl);
    if (req.method !== 'GET' || url.pathname !== redirect.pathname) return answer(res, 404, 'Not found', 'This server only waits for the Shopee authorisation redirect.');
    if (settled || busy) return answer(res, 409, 'Already answered', 'This authorisation request has already been answered.');
    const code = url.searchParams.get('code');
    const shopId = url.searchParams.get('shop_id');
    if (!code || !shopId || !/^\d+$/.test(shopId)) return answer(res, 400, 'Request refused', 'The redirect carries no code and shop_id.');
    busy = true;
    exchange(code, Number(shopId)).then(
      (done) => answer(res, 200, 'Shopee authorisation complete', escapeHtml(`Tsunagi can update ${shop.country} shop ${done.shopId}${done.expiresAt ? ` until ${done.expiresAt.toISOString()}` : ''}. You can close this tab.`), () => finish(undefined, done)),
      (err: Error) => answer(res, 502, 'Authorisation failed', escapeHtml(err.message), () => finish(err)),
    );
  });
  const host = redirect.hostname.replace(/^\[|\]$/g, '');
  const port = Number(redirect.port || 80);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`cannot listen on ${host}:${port} for ${client.config.redirectUrl}: ${err.message} (or give --code)`)));
      server.listen(port, host, () => resolve());
    });
    timer = setTimeout(() => finish(new Error(`no authorisation reached ${client.config.redirectUrl} within ${Math.round(timeoutMs / 1000)} s; run the command again`)), timeoutMs);
    opts.onUrl(authorizationUrl(client));
    return await result;
  } finally {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections();
  }
}
