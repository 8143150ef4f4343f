// listenHttp: several accept queues on one port (Linux), handed to one http server, all closed on stop.
import { createServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { listenHttp } from './http.js';

const busyFor = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('listenHttp', () => {
  let server: Server;
  let stop: () => Promise<void>;
  let port: number;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    server = createServer((_req, res) => res.end('ok'));
    stop = await listenHttp(server, 0, '127.0.0.1');
    port = (server.address() as { port: number }).port;
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    server.closeAllConnections();
    await stop();
  });

  it('answers every connection of a burst, whichever queue took it', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } }).then((r) => r.text())));
    expect(answers).toEqual(Array(40).fill('ok'));
  });

  (process.platform === 'linux' ? it : it.skip)('accepts a burst that arrived while the loop was busy several connections per turn, not one', async () => {
    let turn = 0;
    let counting = true;
    const tick = () => {
      turn++;
      if (counting) setImmediate(tick);
    };
    const acceptedIn: number[] = [];
    server.on('connection', () => acceptedIn.push(turn));
    // The kernel completes loopback handshakes at once; the connections wait in the accept queues meanwhile.
    for (let i = 0; i < 64; i++) sockets.push(connect(port, '127.0.0.1'));
    busyFor(100);
    setImmediate(tick);
    while (acceptedIn.length < 64) await new Promise((r) => setTimeout(r, 5));
    counting = false;
    const perTurn = new Map<number, number>();
    for (const t of acceptedIn) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    // One queue gives one connection per turn (libuv): 64 turns. Eight give up to eight.
    expect(perTurn.size).toBeLessThan(32);
  });

  it('refuses a port another listener holds, as a plain listen would, even one listening with SO_REUSEPORT', async () => {
    const second = createServer();
    const taken = await listenHttp(second, port, '127.0.0.1').then(async (stopSecond) => {
      await stopSecond();
      return 'listened';
    }, (err: NodeJS.ErrnoException) => err.code);
    expect(taken).toBe('EADDRINUSE');
  });

  it('frees the port on stop: a listener without SO_REUSEPORT can take it', async () => {
    server.closeAllConnections();
    await stop();
    const plain = createNetServer();
    await new Promise<void>((resolve, reject) => plain.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    stop = async () => {};
  });
});
