// Subscription fan-out: one source stream per key (operation, variables, role), each event executed and serialized
// once, then framed and written to every subscriber's socket by the gateway itself rather than by graphql-ws.
import type { Socket } from 'node:net';
import type { ExecutionResult, GraphQLError } from 'graphql';
import WebSocket from 'ws';
import type { SubscriptionResult } from './subscriptions.js';

/** Where a subscription's events go: the graphql-ws subscription `id` on `socket`. */
export interface Delivery {
  socket: WebSocket;
  id: string;
}

/** Sockets written per event-loop turn: /healthz and new requests are served between chunks of a large fan-out. */
const FLUSH_CHUNK = 500;

/** The header of an unmasked, final text frame carrying `length` bytes (RFC 6455 §5.2; servers never mask). */
export function textFrameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 65536) {
    const header = Buffer.allocUnsafe(4);
    header[0] = 0x81;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
    return header;
  }
  const header = Buffer.allocUnsafe(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header;
}

/**
 * Frames waiting for the end of the event-loop turn, per socket. The fan-out at 10,000 subscribers spent most of the
 * gateway's time in one `writev` system call per message per socket; the events of one bus delivery (a sync's
 * changes, one per channel) arrive in the same turn, so each socket gets them in one write. Frames are written to
 * the socket under the WebSocket directly: the server is created without permessage-deflate (the only reason ws
 * queues frames of its own), so bytes written here and by ws.send leave in the order they were written.
 */
function socketOutbox() {
  const pending = new Map<WebSocket, Buffer[]>();
  let scheduled = false;

  function write(socket: WebSocket, parts: Buffer[]): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    (socket as unknown as { _socket: Socket })._socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  // Frames added to a socket still waiting join its list; to a socket already written this turn, a new entry at the
  // end of the map: either way each socket's frames leave in order.
  function flush(): void {
    let written = 0;
    for (const [socket, parts] of pending) {
      pending.delete(socket);
      write(socket, parts);
      if (++written === FLUSH_CHUNK) break;
    }
    if (pending.size > 0) setImmediate(flush);
    else scheduled = false;
  }

  return {
    add(socket: WebSocket, ...parts: Buffer[]): void {
      const queued = pending.get(socket);
      if (queued) queued.push(...parts);
      else pending.set(socket, parts);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    /** Writes a socket's waiting frames now: before graphql-ws sends it a message of its own (complete, error). */
    flushSocket(socket: WebSocket): void {
      const parts = pending.get(socket);
      if (!parts) return;
      pending.delete(socket);
      write(socket, parts);
    },
  };
}

/**
 * Every consumer of a key gets each event as a graphql-ws `next` message (graphql-ws would validate, stringify and
 * await it per socket: 15 % of the gateway's time at 10,000 subscribers). graphql-ws keeps the subscription's life
 * cycle: the iterator returned here ends when the source does, throws when it fails, and leaves the group when the
 * client completes. The source closes when its last consumer leaves.
 */
export function multicast(formatErrors: (errors: readonly GraphQLError[]) => unknown[]) {
  interface Consumer { prefix: Buffer; socket: WebSocket; settle?: (failure?: unknown) => void }
  interface Group { consumers: Set<Consumer>; opened: Promise<SubscriptionResult>; ended: boolean; failure?: unknown }
  const groups = new Map<string, Group>();
  const outbox = socketOutbox();

  async function pump(key: string, group: Group, source: AsyncIterableIterator<ExecutionResult>): Promise<void> {
    try {
      for (;;) {
        const r = await source.next();
        if (r.done) break;
        // Errors go through the gateway's formatter, as graphql-ws's onNext would have sent them.
        const event = r.value.errors?.length ? { ...r.value, errors: formatErrors(r.value.errors) } : r.value;
        // Encoded once: each socket then gets its own frame header and prefix before the shared bytes.
        const payload = Buffer.from(`${JSON.stringify(event)}}`);
        for (const c of group.consumers) outbox.add(c.socket, textFrameHeader(c.prefix.length + payload.length), c.prefix, payload);
      }
    } catch (err) {
      group.failure = err;
    } finally {
      group.ended = true;
      if (groups.get(key) === group) groups.delete(key);
      for (const c of group.consumers) c.settle?.(group.failure);
    }
  }

  return async (key: string, delivery: Delivery, open: () => Promise<SubscriptionResult>): Promise<SubscriptionResult> => {
    let group = groups.get(key);
    if (!group) {
      const g: Group = { consumers: new Set(), opened: open(), ended: false };
      groups.set(key, (group = g));
      const first = await g.opened.catch((err: unknown) => {
        groups.delete(key);
        throw err;
      });
      if (!(Symbol.asyncIterator in first)) {
        groups.delete(key);
        return first;
      }
      void pump(key, g, first);
    }
    const g = group;
    const source = await g.opened;
    if (!(Symbol.asyncIterator in source)) return source;
    const me: Consumer = { prefix: Buffer.from(`{"id":${JSON.stringify(delivery.id)},"type":"next","payload":`), socket: delivery.socket };
    g.consumers.add(me);
    const leave = async () => {
      if (!g.consumers.delete(me)) return;
      me.settle?.();
      if (g.consumers.size === 0 && groups.get(key) === g) {
        groups.delete(key);
        await source.return?.();
      }
    };
    const done = { value: undefined, done: true } as const;
    const events: AsyncIterableIterator<ExecutionResult> = {
      // Yields nothing: events go straight to the socket. Settles when the stream ends, fails or is left; the
      // events still waiting for this socket are written before graphql-ws sends its complete or error.
      async next() {
        if (!g.ended && g.consumers.has(me)) await new Promise<unknown>((r) => (me.settle = r));
        g.consumers.delete(me);
        outbox.flushSocket(me.socket);
        if (g.failure !== undefined) throw g.failure;
        return done;
      },
      async return() {
        await leave();
        return done;
      },
      async throw(err) {
        await leave();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return events;
  };
}
