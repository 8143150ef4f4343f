// The frames multicast writes itself: a ws client must read them as the messages ws.send would have sent, at each
// length encoding (7-bit, 16-bit, 64-bit), several in one write, and in order with ws.send's own.
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrameHeader } from './multicast.js';

test('frames written to the raw socket arrive as whole text messages, in order with ws.send', async () => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  const texts = ['a'.repeat(125), 'b'.repeat(126), 'c'.repeat(65_535), 'd'.repeat(65_536), 'e'];
  try {
    server.on('connection', (socket) => {
      socket.send('first');
      const frames = texts.slice(0, 4).flatMap((t) => [textFrameHeader(Buffer.byteLength(t)), Buffer.from(t)]);
      (socket as unknown as { _socket: Socket })._socket.write(Buffer.concat(frames));
      socket.send(texts[4]!);
    });
    await new Promise((r) => server.once('listening', r));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const received = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      client.on('message', (data, binary) => {
        if (binary) reject(new Error('a binary message'));
        got.push(String(data));
        if (got.length === texts.length + 1) resolve(got);
      });
      client.on('error', reject);
    });
    client.close();
    expect(received.map((t) => t.length)).toEqual([5, ...texts.map((t) => t.length)]);
    expect(received).toEqual(['first', ...texts]);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
