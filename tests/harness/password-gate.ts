import { createHash, randomBytes } from 'node:crypto';
import { createServer, Socket, type Server } from 'node:net';

/**
 * A loopback PostgreSQL front door that checks passwords itself, for servers that do not
 * (the machine's PostgreSQL 15 trusts 127.0.0.1). It speaks the protocol's start-up: it
 * answers SSL/GSS requests with "no", demands an MD5 (or cleartext) password, refuses a wrong
 * one with SQLSTATE 28P01 as PostgreSQL does, and only for the right one opens a session on
 * the real server as the same user and database and relays the bytes both ways.
 */
export interface PasswordGate {
  port: number;
  /** postgres://user[:password]@127.0.0.1:port/database through the gate. */
  url(database: string, password?: string): string;
  /** The passwords clients sent, wrong ones included (each connection's, in order). */
  attempts(): Array<{ user: string; ok: boolean }>;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

function errorResponse(code: string, text: string): Buffer {
  const fields = [['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', text]].map(([k, v]) => `${k}${v}\0`).join('');
  return message('E', Buffer.from(`${fields}\0`, 'utf8'));
}

/** Accumulates a socket's bytes and hands out whole messages (`typed`: a type byte comes first). */
class Frames {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer) {
    this.buf = Buffer.concat([this.buf, chunk]);
  }
  next(typed: boolean): Buffer | undefined {
    const at = typed ? 1 : 0;
    if (this.buf.length < at + 4) return undefined;
    const len = this.buf.readInt32BE(at) + at;
    if (this.buf.length < len) return undefined;
    const m = this.buf.subarray(0, len);
    this.buf = this.buf.subarray(len);
    return m;
  }
  rest(): Buffer {
    const r = this.buf;
    this.buf = Buffer.alloc(0);
    return r;
  }
}

function startupParams(m: Buffer): Record<string, string> {
  const parts = m.subarray(8).toString('utf8').split('\0');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) out[parts[i]] = parts[i + 1];
  return out;
}

/**
 * A gate in front of the server of `serverUrl`; `passwords` maps user → the one password the
 * gate accepts. Behind the gate it logs in with serverUrl's password (trust, cleartext or MD5).
 */
export async function startPasswordGate(serverUrl: string, passwords: Record<string, string>, method: 'md5' | 'cleartext' = 'md5'): Promise<PasswordGate> {
  const upstreamAt = new URL(serverUrl);
  const upstreamPassword = decodeURIComponent(upstreamAt.password);
  const sockets = new Set<Socket>();
  const attempts: Array<{ user: string; ok: boolean }> = [];

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client)).on('error', () => client.destroy());
    const frames = new Frames();
    let state: 'startup' | 'password' | 'relay' = 'startup';
    let params: Record<string, string> = {};
    let startup: Buffer | undefined;
    const salt = randomBytes(4);
    /** Client bytes that arrive before the server session is ready for them. */
    const pending: Buffer[] = [];
    let relaying = false;

    const admit = () => {
      const upstream = new Socket();
      sockets.add(upstream);
      upstream.on('close', () => client.destroy()).on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      const reply = new Frames();
      upstream.connect(Number(upstreamAt.port || 5432), upstreamAt.hostname, () => upstream.write(startup!));
      upstream.on('data', (chunk: Buffer) => {
        if (relaying) return void client.write(chunk);
        reply.push(chunk);
        for (let m = reply.next(true); m; m = reply.next(true)) {
          const type = String.fromCharCode(m[0]);
          const auth = type === 'R' ? m.readInt32BE(5) : -1;
          if (auth === 3) upstream.write(message('p', Buffer.from(`${upstreamPassword}\0`)));
          else if (auth === 5) {
            const hash = 'md5' + md5(Buffer.concat([Buffer.from(md5(upstreamPassword + params.user)), m.subarray(9, 13)]));
            upstream.write(message('p', Buffer.from(`${hash}\0`)));
          } else if (auth === 0 || type === 'E') {
            // From AuthenticationOk on (or the server's refusal), the client hears the server.
            relaying = true;
            client.write(Buffer.concat([m, reply.rest()]));
            for (const p of pending.splice(0)) upstream.write(p);
            return;
          } else {
            client.end(errorResponse('08P01', `password gate: upstream asks for authentication type ${auth}, which the gate does not speak`));
            return;
          }
        }
      });
      state = 'relay';
      return upstream;
    };

    let upstream: Socket | undefined;
    client.on('data', (chunk: Buffer) => {
      if (state === 'relay') {
        if (relaying) upstream!.write(chunk);
        else pending.push(chunk);
        return;
      }
      frames.push(chunk);
      for (;;) {
        if (state === 'startup') {
          const m = frames.next(false);
          if (!m) return;
          const code = m.readInt32BE(4);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            client.write('N');
            continue;
          }
          if (code !== PROTOCOL_3) return void client.destroy();
          startup = Buffer.from(m);
          params = startupParams(m);
          state = 'password';
          client.write(method === 'md5' ? message('R', Buffer.concat([int32(5), salt])) : message('R', int32(3)));
          continue;
        }
        if (state === 'password') {
          const m = frames.next(true);
          if (!m) return;
          const sent = m.subarray(5, m.length - 1).toString('utf8');
          const want = passwords[params.user];
          const expected = want === undefined ? undefined : method === 'md5' ? 'md5' + md5(Buffer.concat([Buffer.from(md5(want + params.user)), salt])) : want;
          const ok = m[0] === 0x70 && expected !== undefined && sent === expected;
          attempts.push({ user: params.user, ok });
          if (!ok) return void client.end(errorResponse('28P01', `password authentication failed for user "${params.user}"`));
          const rest = frames.rest();
          if (rest.length) pending.push(rest);
          upstream = admit();
          return;
        }
        return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url(database, password) {
      const u = new URL(`postgres://127.0.0.1:${port}/${database}`);
      u.username = upstreamAt.username;
      if (password !== undefined) u.password = password;
      return u.toString();
    },
    attempts: () => [...attempts],
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
