// The simulated WMS's FTP drop box: ftp-srv on 127.0.0.1 (ephemeral control and passive ports) over a local
// directory, one login, and the WMS's side of a drop (write `<name>.tmp`, rename when complete).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FtpSrv } from 'ftp-srv';
import iconv from 'iconv-lite';

/** How a dropped file is encoded: UTF-8 with or without a byte-order mark, or Shift_JIS. */
export type DropEncoding = 'utf8' | 'utf8-bom' | 'shift_jis';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

/** The parts of ftp-srv's server the drop box adjusts (not in its typings). */
interface FtpSrvInternals {
  server: { address(): AddressInfo };
  connections: Record<string, { close(code: number): Promise<unknown> } | undefined>;
  getNextPasvPort(): Promise<number>;
  disconnectClient(id: string): Promise<void>;
}

// ftp-srv logs through bunyan to stdout by default: stdout is the CLI's result channel, so it gets a silent logger.
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child: () => silent };

export interface FtpDropBoxOptions {
  /** The server's root directory; undefined = a temporary one, removed on close. */
  root?: string;
  /** The drop directory under the root, e.g. /stock. */
  dir: string;
  user: string;
  password: string;
}

export class FtpDropBox {
  private readonly root: string;
  private readonly temporary: boolean;
  private server: FtpSrv | undefined;
  url = '';

  constructor(private readonly opts: FtpDropBoxOptions) {
    this.temporary = !opts.root;
    this.root = opts.root ?? mkdtempSync(join(tmpdir(), 'tsunagi-wms-ftp-'));
    mkdirSync(this.path(''), { recursive: true });
  }

  async listen(): Promise<void> {
    // ftp-srv quits the whole process on these signals: the process owner handles them, so they are taken back.
    const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
    // Loaded when the drop box opens: a process that only joins a running sandbox never needs the FTP server.
    const { FtpSrv } = await import('ftp-srv');
    const server = new FtpSrv({ url: 'ftp://127.0.0.1:0', pasv_url: '127.0.0.1', log: silent, greeting: 'Tsunagi WMS simulator' });
    for (const signal of SIGNALS) for (const l of process.listeners(signal)) if (!before.get(signal)!.has(l)) process.removeListener(signal, l);
    const internals = server as unknown as FtpSrvInternals;
    // Passive data connections on ephemeral ports too (its default scans up from 1024).
    internals.getNextPasvPort = () => Promise.resolve(0);
    // ftp-srv 4.6 arms a timer per disconnect that it never clears, keeping the process alive a second after each
    // session: the same disconnect, without it.
    internals.disconnectClient = async (id) => {
      const connection = internals.connections[id];
      delete internals.connections[id];
      await connection?.close(0).catch(() => {});
    };
    server.on('login', ({ username, password }, accept, refuse) => {
      if (username === this.opts.user && password === this.opts.password) accept({ root: this.root });
      else refuse(new Error('login incorrect'));
    });
    await server.listen();
    this.server = server;
    const address = internals.server.address();
    this.url = `ftp://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
    if (this.temporary) rmSync(this.root, { recursive: true, force: true });
  }

  drop(name: string, content: string, encoding: DropEncoding, complete: boolean): string {
    if (!/^[^/\\\0]+$/.test(name) || name.startsWith('.')) throw new Error(`wms simulator: "${name}" is not a plain file name`);
    const bytes =
      encoding === 'shift_jis' ? iconv.encode(content, 'Shift_JIS')
      : encoding === 'utf8-bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(content, 'utf8')])
      : Buffer.from(content, 'utf8');
    const tmp = this.path(`${name}.tmp`);
    writeFileSync(tmp, bytes);
    if (!complete) return `${this.opts.dir}/${name}.tmp`;
    renameSync(tmp, this.path(name));
    return `${this.opts.dir}/${name}`;
  }

  list(sub: '' | 'done' | 'error'): string[] {
    try {
      return readdirSync(this.path(sub), { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
    } catch {
      return [];
    }
  }

  /** A file's text, by its path under the drop directory (e.g. error/stock.csv.errors.txt). */
  read(path: string): string {
    return readFileSync(this.path(path), 'utf8');
  }

  /** Empties the drop directory. */
  clear(): void {
    rmSync(this.path(''), { recursive: true, force: true });
    mkdirSync(this.path(''), { recursive: true });
  }

  private path(sub: string): string {
    const base = resolve(this.root, `.${this.opts.dir}`);
    const full = resolve(base, sub);
    if (full !== base && !full.startsWith(base + sep)) throw new Error(`wms simulator: ${sub} is outside the drop directory`);
    return full;
  }
}
