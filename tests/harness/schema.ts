import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fingerprint, type Fingerprint } from '../../src/db/fingerprint';
import { openSession } from './session';

const run = promisify(execFile);

/** The schema fingerprint the runner's rollback proof uses (every non-system schema but migrate). */
export async function fingerprintOf(url: string): Promise<Fingerprint> {
  const { session, close } = await openSession(url);
  try {
    return await fingerprint(session);
  } finally {
    await close();
  }
}

/** The machine's pg_dump major, or undefined without one. */
export async function pgDumpMajor(): Promise<number | undefined> {
  try {
    const { stdout } = await run('pg_dump', ['--version']);
    const m = /(\d+)(?:\.\d+)?/.exec(stdout);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** `pg_dump --schema-only` without the runner's own schema, its header lines and pg_dump's random \restrict key. */
export async function schemaDump(url: string): Promise<string> {
  const { stdout } = await run('pg_dump', ['--schema-only', '--exclude-schema=migrate', '--dbname', url], { maxBuffer: 64 << 20 });
  return stdout
    .split('\n')
    .filter((l) => !/^-- Dumped (from|by) /.test(l) && !/^\\(un)?restrict /.test(l))
    .join('\n');
}

/** Runs each file with psql, in order, stopping at the first error: what a DBA would do by hand. */
export async function psqlFiles(url: string, files: string[]): Promise<{ ok: true } | { ok: false; file: string; stderr: string }> {
  for (const file of files) {
    try {
      await run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--dbname', url, '-f', file], { env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });
    } catch (err) {
      return { ok: false, file, stderr: String((err as { stderr?: string }).stderr ?? err) };
    }
  }
  return { ok: true };
}
