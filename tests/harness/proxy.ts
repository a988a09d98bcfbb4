import { createServer, Socket, type Server } from 'node:net';

/**
 * A loopback TCP proxy between the runner and PostgreSQL, written for the fault tests. It reads
 * the protocol message by message in both directions, so a fault lands exactly where asked: it
 * can reset or black-hole the connections at once, or when the client sends a statement that
 * matches, before the server sees it or once the server has answered it (the server did the
 * work; the client never hears).
 */
export interface FaultProxy {
  /** postgres://… URL of `database` through the proxy (sslmode=disable: the proxy reads the messages). */
  url(database: string): string;
  port: number;
  /** Resets every open connection (RST, as a crashed peer or a firewall would). */
  resetAll(): void;
  /**
   * Stops forwarding in both directions, on every connection and on new ones, leaving the
   * sockets open: a silent partition. What is sent meanwhile waits, as TCP would retransmit it.
   */
  blackhole(): void;
  /** Forwards again, delivering what waited (and the closes that did not get through). */
  heal(): void;
  /**
   * Arms one fault: when a client message's SQL matches `statement`, the proxy resets that
   * connection, black-holes everything, or stalls that connection alone (its bytes wait for
   * ever, the other connections go on), `before` forwarding it, or `after` the server's
   * answer to it arrived, which the client then never receives. Resolves when it fired.
   * `followedBy` narrows the match to a statement sent in one write with a later one that
   * matches (a pipeline's BEGIN with the unit's own SQL, not another transaction's BEGIN).
   */
  on(statement: RegExp, when: 'before' | 'after', action: Action, options?: { followedBy?: RegExp }): Promise<void>;
  /** How many client connections were opened through the proxy. */
  connections(): number;
  close(): Promise<void>;
}

type Action = 'reset' | 'blackhole' | 'stall';

interface Armed {
  statement: RegExp;
  when: 'before' | 'after';
  action: Action;
  followedBy?: RegExp;
  fired: () => void;
}

/** One protocol message: its type byte (0 for the untyped start-up messages) and its bytes. */
interface Message {
  type: number;
  bytes: Buffer;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const Q = 0x51; // Query
const P = 0x50; // Parse
const S = 0x53; // Sync
const Z = 0x5a; // ReadyForQuery

/** Splits a byte stream into messages; `untyped` says whether the next message has no type byte. */
class MessageReader {
  private pending: Buffer = Buffer.alloc(0);
  constructor(public untyped: boolean) {}

  push(chunk: Buffer): Message[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Message[] = [];
    for (;;) {
      const head = this.untyped ? 0 : 1;
      if (this.pending.length < head + 4) break;
      const len = this.pending.readInt32BE(head);
      if (this.pending.length < head + len) break;
      const bytes = this.pending.subarray(0, head + len);
      this.pending = this.pending.subarray(head + len);
      out.push({ type: this.untyped ? 0 : bytes[0], bytes });
      if (this.untyped) {
        // An SSL or GSS request is followed by another start-up message; the start-up message by typed ones.
        const code = len >= 8 ? bytes.readInt32BE(4) : 0;
        this.untyped = code === SSL_REQUEST || code === GSSENC_REQUEST;
      }
    }
    return out;
  }
}

/** The SQL a Query or Parse message carries. */
function sqlOf(m: Message): string | undefined {
  if (m.type === Q) return m.bytes.subarray(5, m.bytes.length - 1).toString('utf8');
  if (m.type === P) {
    const body = m.bytes.subarray(5);
    const nameEnd = body.indexOf(0);
    const textEnd = body.indexOf(0, nameEnd + 1);
    return body.subarray(nameEnd + 1, textEnd).toString('utf8');
  }
  return undefined;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Client messages not yet forwarded (held after an armed statement, or during a black hole). */
  toServer: Buffer[];
  toClient: Buffer[];
  /** Queries and Syncs forwarded: each is answered by one ReadyForQuery. */
  asked: number;
  answered: number;
  /** Set when the start-up's own ReadyForQuery arrived. */
  started: boolean;
  /** A stalled connection forwards nothing more, in either direction. */
  stalled: boolean;
  /** One side closed while nothing was forwarded: the other side learns it only when the partition heals. */
  closed: boolean;
  /** An armed `after` fault waiting for the answer to query number `answer` (or to the next Sync). */
  after?: { armed: Armed; answer?: number };
}

/** A proxy in front of the server of `serverUrl` (user and password are kept in url()). */
export async function startProxy(serverUrl: string): Promise<FaultProxy> {
  const base = new URL(serverUrl);
  const target = { host: base.hostname, port: Number(base.port || 5432) };
  const pairs = new Set<Pair>();
  let holes = false;
  let opened = 0;
  const armed: Armed[] = [];

  const reset = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.resetAndDestroy();
    pair.upstream.resetAndDestroy();
  };
  const fire = (pair: Pair, a: Armed) => {
    if (a.action === 'reset') reset(pair);
    else if (a.action === 'stall') pair.stalled = true;
    else holes = true;
    a.fired();
  };
  const flush = (pair: Pair) => {
    if (holes || pair.stalled || pair.after?.answer !== undefined) return;
    for (const b of pair.toServer.splice(0)) pair.upstream.write(b);
    for (const b of pair.toClient.splice(0)) pair.client.write(b);
  };

  /** `chunk[at]` is `m`: the messages after it came in the same write (a pipeline arrives in one). */
  const fromClient = (pair: Pair, m: Message, chunk: readonly Message[], at: number) => {
    if (m.type === 0 && m.bytes.length >= 8 && [SSL_REQUEST, GSSENC_REQUEST].includes(m.bytes.readInt32BE(4))) {
      // Answered here ("no encryption"), so the stream stays readable.
      pair.client.write(Buffer.from('N'));
      return;
    }
    const sql = sqlOf(m);
    if (sql !== undefined && !pair.after) {
      const a = armed.find((x) => x.statement.test(sql) && (!x.followedBy || chunk.slice(at + 1).some((l) => x.followedBy!.test(sqlOf(l) ?? ''))));
      if (a) {
        armed.splice(armed.indexOf(a), 1);
        if (a.when === 'before' && a.action === 'reset') return fire(pair, a);
        if (a.when === 'before') fire(pair, a); // the partition starts here: this message waits too
        else pair.after = { armed: a };
      }
    }
    const held = holes || pair.stalled || pair.after?.answer !== undefined;
    if (held) pair.toServer.push(m.bytes);
    else pair.upstream.write(m.bytes);
    if (m.type === Q || m.type === S) {
      pair.asked += 1;
      // The armed statement's own answer is the next ReadyForQuery owed; later messages wait.
      if (pair.after && pair.after.answer === undefined) pair.after.answer = pair.asked;
    }
  };

  const fromServer = (pair: Pair, m: Message) => {
    const after = pair.after;
    if (after?.answer !== undefined && pair.answered >= after.answer - 1) {
      // Part of the armed statement's answer: the server did it, the client never hears.
      if (m.type === Z) {
        pair.after = undefined;
        fire(pair, after.armed);
      }
      return;
    }
    if (m.type === Z) {
      if (pair.started) pair.answered += 1;
      pair.started = true;
    }
    if (holes || pair.stalled) pair.toClient.push(m.bytes);
    else pair.client.write(m.bytes);
  };

  const server: Server = createServer((client) => {
    opened += 1;
    const upstream = new Socket();
    // Each message is forwarded as it is read: without this, Nagle would hold small ones back.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, toServer: [], toClient: [], asked: 0, answered: 0, started: false, stalled: false, closed: false };
    pairs.add(pair);
    const clientReader = new MessageReader(true);
    const serverReader = new MessageReader(false);
    upstream.connect(target.port, target.host);
    client.on('data', (chunk) => {
      const ms = clientReader.push(chunk);
      ms.forEach((m, i) => {
        if (pairs.has(pair)) fromClient(pair, m, ms, i);
      });
    });
    upstream.on('data', (chunk) => {
      for (const m of serverReader.push(chunk)) if (pairs.has(pair)) fromServer(pair, m);
    });
    const end = () => {
      // In a partition a FIN or RST does not get through either.
      if (holes || pair.stalled) {
        pair.closed = true;
        return;
      }
      pairs.delete(pair);
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    port,
    url(database) {
      const u = new URL(serverUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      u.pathname = `/${database}`;
      u.searchParams.set('sslmode', 'disable');
      return u.toString();
    },
    resetAll() {
      for (const p of [...pairs]) reset(p);
    },
    blackhole() {
      holes = true;
    },
    heal() {
      holes = false;
      for (const p of [...pairs]) {
        if (p.closed && !p.stalled) {
          pairs.delete(p);
          p.client.destroy();
          p.upstream.destroy();
        } else {
          flush(p);
        }
      }
    },
    on(statement, when, action, options) {
      return new Promise<void>((fired) => armed.push({ statement, when, action, followedBy: options?.followedBy, fired }));
    },
    connections: () => opened,
    async close() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
