import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmbedded, type EmbeddedServer } from '../db/embedded';
import { pgpassLine } from '../db/pgpass';
import { serverFacts } from '../db/server-facts';
import { redactUrl, resolveSettings, type ConnectionSettings } from '../db/settings';
import { MigrateError, UsageError } from '../errors';
import { loadBaseline } from './baseline';
import { withDatabase, type CommonOptions } from './common';

export interface RehearseOptions extends Omit<CommonOptions, 'databaseUrl'> {
  baselineDir: string;
  /** Rehearse on a copy of this database's schema instead of the baseline. */
  schemaFrom?: string;
  /** Leave the server running and print its URL. */
  keep?: boolean;
  /** Where the Markdown verification report goes. */
  reportPath: string;
  /** Each step as it finishes, for the CLI to print while the story runs. */
  onStep?: (step: RehearsalStep) => void;
  signal?: AbortSignal;
}

export interface RehearsalStep {
  name: string;
  ok: boolean;
  durationMs: number;
  /** What happened, in one line. */
  summary: string;
  /** What was expected, when it was not what happened. */
  expected?: string;
}

export interface RehearseResult {
  ok: boolean;
  steps: RehearsalStep[];
  serverVersion: string;
  reportPath: string;
  /** With --keep: the server left running, its URL without the password, and a pgpass file holding it. */
  kept?: { url: string; passFile: string; stop(): Promise<void> };
}

/** What one step of the story does; it returns its summary and whether it did what it should. */
type StepFn = () => Promise<{ ok: boolean; summary: string; expected?: string }>;

/**
 * `migrate rehearse`: the whole story on an embedded PostgreSQL it starts and removes
 * itself. Each step runs the same library functions the commands use against a real server.
 */
export async function rehearse(o: RehearseOptions, story: (ctx: StoryContext) => Array<[string, StepFn]>): Promise<RehearseResult> {
  const steps: RehearsalStep[] = [];
  let server: EmbeddedServer | undefined;
  const stopServer = () => server?.stop();
  o.signal?.addEventListener('abort', () => void stopServer(), { once: true });
  let serverVersion = '';
  try {
    // Not a step that can fail: an EmbeddedServerError reaches the CLI as one line and a hint.
    const started = performance.now();
    server = await startEmbedded({ onLog: (line) => o.log.debug({ server: 'embedded' }, line) });
    const summary = `embedded PostgreSQL on 127.0.0.1:${server.port}, data in ${path.dirname(server.dataDir)}`;
    record(steps, o, 'start server', { ok: true, summary, durationMs: Math.round(performance.now() - started) });
    const url = databaseUrlOf(server!.url, 'rehearsal');
    await withDatabase({ ...o, databaseUrl: server!.url }, async ({ session }) => {
      await session.script('create database rehearsal', '(rehearsal setup)');
      serverVersion = (await serverFacts(session)).version;
    });
    const common: CommonOptions = { ...o, databaseUrl: url };
    const load = await timed(async () => (o.schemaFrom ? copySchema(o, o.schemaFrom, url) : loadBaselineStep(common, o.baselineDir)));
    record(steps, o, o.schemaFrom ? 'copy schema' : 'load baseline', load);
    if (!load.ok) return { ok: false, steps, serverVersion, reportPath: o.reportPath };
    for (const [name, fn] of story({ common, reportPath: o.reportPath, fromSchema: !!o.schemaFrom })) {
      if (o.signal?.aborted) throw new MigrateError('interrupted: the rehearsal server was removed', 1);
      record(steps, o, name, await timed(fn));
    }
    const ok = steps.every((s) => s.ok);
    if (o.keep) {
      const kept = server!;
      server = undefined;
      return { ok, steps, serverVersion, reportPath: o.reportPath, kept: { ...keptAccess(url, path.dirname(kept.dataDir)), stop: kept.stop } };
    }
    return { ok, steps, serverVersion, reportPath: o.reportPath };
  } finally {
    await stopServer();
  }
}

export interface StoryContext {
  common: CommonOptions;
  reportPath: string;
  fromSchema: boolean;
}

async function timed(fn: StepFn): Promise<{ ok: boolean; summary: string; expected?: string; durationMs: number }> {
  const started = performance.now();
  try {
    const r = await fn();
    return { ...r, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    const e = err as Error & { hint?: string };
    return { ok: false, summary: `error: ${e.message}${e.hint ? ` (${e.hint})` : ''}`, durationMs: Math.round(performance.now() - started) };
  }
}

function record(steps: RehearsalStep[], o: RehearseOptions, name: string, r: { ok: boolean; summary: string; expected?: string; durationMs: number }): void {
  const step: RehearsalStep = { name, ...r };
  steps.push(step);
  o.onStep?.(step);
  o.log.info({ step: name, ok: r.ok, durationMs: r.durationMs }, r.summary);
}

function databaseUrlOf(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function loadBaselineStep(common: CommonOptions, dir: string) {
  const r = await loadBaseline({ ...common, dir });
  return { ok: true, summary: `${r.files.length} files from ${dir}` };
}

/**
 * Copies a real database's schema (pg_dump --schema-only) into the rehearsal database; the
 * roles it references are created NOLOGIN first, since roles are not part of a dump.
 */
async function copySchema(o: RehearseOptions, sourceUrl: string, targetUrl: string) {
  const source = resolveSettings(sourceUrl, o.env ?? process.env, o.warn);
  let dump: string;
  try {
    dump = await withPasswordFile(source, (passfile) => {
      // The password never goes on pg_dump's command line, where `ps` shows it: a pgpass file.
      const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env) };
      delete env.PGPASSWORD;
      if (passfile) env.PGPASSFILE = passfile;
      return promisify(execFile)('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', '--dbname', source.display], { env, maxBuffer: 512 * 1024 * 1024 });
    }).then((r) => r.stdout);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new UsageError('--schema-from needs pg_dump, which is not installed here', 'install the PostgreSQL client (e.g. apt-get install postgresql-client) matching the source server version');
    const scrub = (m: string) => (source.password ? m.split(source.password).join('***') : m);
    throw new UsageError(`pg_dump of ${source.display} failed: ${scrub(redactUrl(String(e.stderr ?? e.message).trim().split('\n')[0]))}`, 'pg_dump must be at least the source server version');
  }
  const roles = await withDatabase({ ...o, databaseUrl: sourceUrl }, ({ session }) =>
    session.query<{ rolname: string }>("select rolname from pg_roles where rolname !~ '^pg_' and rolname <> current_user"));
  await withDatabase({ ...o, databaseUrl: targetUrl }, async ({ session }) => {
    for (const { rolname } of roles) {
      // format(%I) quotes the name server-side; roles are cluster-wide, so only missing ones.
      const rows = await session.query<{ stmt: string }>(
        "select format('create role %I nologin', $1::text) as stmt where not exists (select 1 from pg_roles where rolname = $1::text)", [rolname]);
      if (rows.length) await session.script(rows[0].stmt, '(rehearsal roles)');
    }
    // psql meta-commands (\restrict …) are not SQL; everything else in a plain dump is.
    await session.script(dump.split('\n').filter((l) => !l.startsWith('\\')).join('\n'), 'pg_dump --schema-only');
  });
  o.log.info({ roles: roles.length }, 'schema copied');
  return { ok: true, summary: `schema of ${source.display} (${Math.round(dump.length / 1024)} KiB dump, ${roles.length} roles)` };
}

/** Runs fn with a 0600 pgpass file that holds the connection's password (if any), removed after. */
async function withPasswordFile<T>(s: ConnectionSettings, fn: (passfile: string | undefined) => Promise<T>): Promise<T> {
  if (s.passfile || !s.password) return fn(s.passfile);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'migrate-pgpass-'));
  try {
    const file = path.join(dir, 'pgpass');
    writeFileSync(file, pgpassLine('*', '*', '*', '*', s.password), { mode: 0o600 });
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A URL without the password, and a 0600 pgpass file that holds it (PGPASSFILE=… psql URL). */
function keptAccess(url: string, serverFolder: string): { url: string; passFile: string } {
  const u = new URL(url);
  // Inside the server's folder, so it goes when the server is removed.
  const passFile = path.join(serverFolder, 'pgpass');
  writeFileSync(passFile, pgpassLine(u.hostname, Number(u.port), '*', decodeURIComponent(u.username), decodeURIComponent(u.password)), { mode: 0o600 });
  u.password = '';
  return { url: u.toString(), passFile };
}
