// The webhooks ingress (DESIGN §4): POST /webhooks/... as configured in config.yaml orders.webhooks. Per route:
// an optional IP allowlist, a body size limit, the signature verified on the raw bytes by the sending system's
// receiver (its connector) before anything is parsed, the body decoded into inbox messages, and those written to
// the inbox in one short transaction before the 2xx with an empty body. A bad or missing signature gets 401 and
// leaves nothing behind; nothing else happens here: the work is done from the inbox, after the answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { AppContext } from '../app/context.js';
import { webhookReceivers } from '../connectors/index.js';
import { WebhookBodyError, type WebhookReceiver } from '../platform/webhooks/index.js';
import { BodyTooLargeError } from './http.js';

interface Route {
  id: string;
  path: string;
  system: string;
  receiver: WebhookReceiver;
  secret: string | undefined;
  callbackUrl: string | undefined;
  allowlist: BlockList | undefined;
  maxBodyBytes: number;
}

function blockList(entries: string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, Number(bits), type);
  }
  return list;
}

/** The routes of config.yaml orders.webhooks, each with its receiver and secret; a route no connector receives is an error. */
export function webhookRoutes(app: Pick<AppContext, 'config' | 'registry' | 'integrations' | 'logger'>): Route[] {
  const receivers = webhookReceivers(app.registry);
  return Object.entries(app.config.orders.webhooks).map(([id, r]) => {
    const receiver = receivers[id];
    if (!receiver) throw new Error(`config orders.webhooks.${id}: no connector receives webhooks as "${id}" (known: ${Object.keys(receivers).join(', ') || 'none'})`);
    const block = app.integrations[r.system];
    const secret = block && receiver.secret(block);
    if (!secret) app.logger.warn({ route: r.path, system: r.system }, `webhooks: no secret for ${r.path} (the ${r.system} block of integrations.yaml): it answers 503`);
    return { id, path: r.path, system: r.system, receiver, secret, callbackUrl: r.callbackUrl, allowlist: blockList(r.allowlist), maxBodyBytes: r.maxBodyBytes };
  });
}

async function rawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new BodyTooLargeError(`body is ${declared} bytes; at most ${maxBytes}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(`body exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, status: number, error?: string): void {
  if (!error) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error }));
}

/** The ingress handler: true when `path` is a webhook route (answered), false to let the gateway go on. */
export function createWebhookIngress(app: AppContext): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const routes = new Map(webhookRoutes(app).map((r) => [r.path, r]));
  const log = app.logger.child({ component: 'webhooks' });
  return async (req, res, path) => {
    const route = routes.get(path);
    if (!route) {
      if (!path.startsWith('/webhooks/')) return false;
      answer(res, 404, `no webhook route ${path}`);
      return true;
    }
    const from = req.socket.remoteAddress ?? '';
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      answer(res, 405, 'webhooks are POSTed');
      return true;
    }
    if (route.allowlist && !route.allowlist.check(from, isIP(from) === 6 ? 'ipv6' : 'ipv4')) {
      log.warn({ route: route.path, from }, 'webhook from an address not on the allowlist refused');
      answer(res, 403, 'this address may not call this webhook');
      return true;
    }
    let body: Buffer;
    try {
      body = await rawBody(req, route.maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      log.warn({ route: route.path, from }, `webhook refused: ${err.message}`);
      answer(res, 413, err.message);
      return true;
    }
    if (!route.secret) {
      answer(res, 503, 'this webhook is not configured yet');
      return true;
    }
    const request = { rawBody: body, headers: req.headers, url: route.callbackUrl ?? `http://${req.headers.host ?? 'localhost'}${req.url ?? path}`, now: Date.now() };
    const refused = route.receiver.verify(request, route.secret);
    if (refused) {
      log.warn({ route: route.path, from, reason: refused }, 'webhook with a bad signature refused');
      answer(res, 401);
      return true;
    }
    let decoded;
    try {
      decoded = route.receiver.decode(request);
    } catch (err) {
      if (!(err instanceof WebhookBodyError)) throw err;
      log.warn({ route: route.path, from, reason: err.message }, 'webhook with a malformed body refused');
      answer(res, 400, err.message);
      return true;
    }
    if (decoded.ignored) log.info({ route: route.path, what: decoded.ignored }, `webhook acknowledged, nothing to do: ${decoded.ignored}`);
    try {
      await app.orders.receive(route.id, route.system, body.toString('utf8'), decoded.messages);
    } catch (err) {
      // Not stored: not acknowledged, so the sender tries again.
      log.error({ err, route: route.path }, 'webhook could not be written to the inbox');
      answer(res, 503, 'try again later');
      return true;
    }
    answer(res, 204);
    return true;
  };
}

/** Sandbox mode: the simulators that send webhooks are told where this gateway takes them. */
export async function announceWebhookUrls(app: AppContext, baseUrl: string): Promise<void> {
  if (!app.sandbox) return;
  for (const [id, route] of Object.entries(app.config.orders.webhooks)) {
    const connector = app.integrations[route.system]?.connector ?? route.system;
    const methods = app.registry.get(connector)?.simulator?.controlMethods ?? [];
    if (!app.sandbox.urls[connector] || !methods.includes('setWebhookUrl')) continue;
    await app.sandbox.call(connector, 'setWebhookUrl', `${baseUrl}${route.path}`).catch((err: Error) =>
      app.logger.warn({ err, route: id }, `sandbox: could not tell the ${connector} simulator where to send webhooks`));
  }
}
