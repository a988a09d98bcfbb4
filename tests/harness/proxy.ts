import { createServer, Socket, type Server } from 'node:net';

/**
 * A loopback TCP proxy between the runner and PostgreSQL, written for the fault tests: it
 * forwards bytes both ways and can reset or black-hole the connections, at once or when the
 * client sends a statement that matches, before or after the server has seen it.
 */
export interface FaultProxy {
  /** postgres://… URL of `database` through the proxy. */
  url(database: string): string;
  port: number;
  /** Resets every open connection (RST, as a crashed peer or a firewall would). */
  resetAll(): void;
  /** Stops forwarding in both directions, leaving the sockets open: a silent partition. */
  blackhole(): void;
  /** Forwards again (new connections always forward). */
  heal(): void;
  /**
   * Arms one fault: when a client message's text matches `statement`, the proxy resets that
   * connection `before` forwarding it (the server never sees it), or `after` the server's
   * answer to it arrived (the server did it; the client never hears).
   */
  on(statement: RegExp, when: 'before' | 'after', action: 'reset' | 'blackhole'): Promise<void>;
  /** How many client connections were opened through the proxy. */
  connections(): number;
  close(): Promise<void>;
}

interface Armed {
  statement: RegExp;
  when: 'before' | 'after';
  action: 'reset' | 'blackhole';
  fired: () => void;
}

/** Frontend messages after start-up: a type byte and a length; Query ('Q') and Parse ('P') carry SQL. */
function statementsIn(chunk: Buffer): string[] {
  const out: string[] = [];
  let i = 0;
  while (i + 5 <= chunk.length) {
    const type = String.fromCharCode(chunk[i]);
    const len = chunk.readInt32BE(i + 1);
    if (len < 4) break;
    const body = chunk.subarray(i + 5, Math.min(chunk.length, i + 1 + len));
    if (type === 'Q') out.push(body.toString('utf8'));
    if (type === 'P') {
      const nameEnd = body.indexOf(0);
      out.push(body.subarray(nameEnd + 1).toString('utf8'));
    }
    i += 1 + len;
  }
  return out;
}

/** ReadyForQuery: 'Z', length 5; the server has answered everything sent before it. */
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);

/** A proxy in front of the server of `serverUrl` (user and password are kept in url()). */
export async function startProxy(serverUrl: string): Promise<FaultProxy> {
  const base = new URL(serverUrl);
  const target = { host: base.hostname, port: Number(base.port || 5432) };
  const pairs = new Set<{ client: Socket; server: Socket }>();
  let holes = false;
  let opened = 0;
  const armed: Armed[] = [];

  const fire = (pair: { client: Socket; server: Socket }, a: Armed) => {
    armed.splice(armed.indexOf(a), 1);
    if (a.action === 'reset') {
      pair.client.resetAndDestroy();
      pair.server.resetAndDestroy();
    } else {
      holes = true;
    }
    a.fired();
  };

  const server: Server = createServer((client) => {
    opened += 1;
    const upstream = new Socket();
    const pair = { client, server: upstream };
    pairs.add(pair);
    let waitingAfter: Armed | undefined;
    upstream.connect(target.port, target.host);
    client.on('data', (chunk) => {
      if (holes) return;
      for (const text of statementsIn(chunk)) {
        const a = armed.find((x) => x.statement.test(text));
        if (!a) continue;
        if (a.when === 'before') return fire(pair, a);
        waitingAfter = a;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (holes) return;
      // The server's answer to the armed statement: it did the work; the client never hears.
      if (waitingAfter && chunk.includes(READY_FOR_QUERY)) {
        const a = waitingAfter;
        waitingAfter = undefined;
        return fire(pair, a);
      }
      client.write(chunk);
    });
    const end = () => {
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
      return u.toString();
    },
    resetAll() {
      for (const p of [...pairs]) {
        p.client.resetAndDestroy();
        p.server.resetAndDestroy();
      }
    },
    blackhole() {
      holes = true;
    },
    heal() {
      holes = false;
    },
    on(statement, when, action) {
      return new Promise<void>((fired) => armed.push({ statement, when, action, fired }));
    },
    connections: () => opened,
    async close() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.server.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
