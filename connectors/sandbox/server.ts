// A small HTTP server for the marketplace simulators: each simulator supplies one handler that sees the
// parsed request and returns status, headers and body. Loopback only.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body's bytes (uploads: multipart/form-data). */
  rawBody: Buffer;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and Buffers as they are (set content-type yourself). */
  body?: unknown;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** Takes over an HTTP upgrade (a WebSocket endpoint on the simulator's port); the owner closes those sockets. */
export type UpgradeHandler = (req: IncomingMessage, socket: Socket, head: Buffer) => void;

export class SimulatorServer {
  private server: Server | undefined;
  url = '';

  constructor(
    readonly name: string,
    private readonly handler: SimHandler,
    private readonly onUpgrade?: UpgradeHandler,
  ) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? '/', 'http://sim');
      const rawBody = Buffer.concat(chunks);
      let out: SimResponse;
      try {
        out = await this.handler({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: rawBody.toString('utf8'),
          rawBody,
        });
      } catch (err) {
        out = { status: 500, body: { error: `${this.name} simulator failed: ${(err as Error).message}` } };
      }
      const headers = { ...out.headers };
      let payload: string | Buffer | undefined;
      // Strings and bytes (files) go as they are.
      if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) payload = out.body;
      else if (out.body !== undefined) {
        payload = JSON.stringify(out.body);
        headers['content-type'] ??= 'application/json';
      }
      res.writeHead(out.status, headers);
      res.end(payload);
    });
    if (this.onUpgrade) this.server.on('upgrade', this.onUpgrade);
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.url = `http://${host}:${addr.port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}
