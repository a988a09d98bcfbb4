import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { connect, type Sql } from '../db/client';
import { Session, type Timeouts } from '../db/session';
import { redactUrl, resolveSettings, type ConnectionSettings } from '../db/settings';
import { refuseReadOnly } from '../db/writable';
import { History } from '../engine/history';
import { withRunLock } from '../engine/lock';
import { LockWaitMonitor } from '../engine/lock-waits';
import { loadMigrations, loadPhases, type Unit } from '../engine/units';
import type { Logger } from '../log';
import { MigrateError, UsageError } from '../errors';

/** What every command takes; the CLI builds it once from the shared flags. */
export interface CommonOptions {
  databaseUrl?: string;
  migrationsDir: string;
  /** Absent in a project without phases (see unitFolders in flags.ts). */
  phasesDir?: string;
  /** How long to wait for another runner's lock before exit 5. */
  lockWaitMs: number;
  timeouts: Timeouts;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** What the user must see whatever the log level, as psql shows libpq's warnings (an unsafe pgpass file). */
  warn?: (message: string) => void;
  /** Chosen by the command before it connects, so even a refusal can name its run. */
  runId?: string;
}

export const DEFAULTS = {
  migrationsDir: 'database/migrations',
  phasesDir: 'phases',
  lockWaitMs: 5000,
  timeouts: { lockTimeout: '5s', statementTimeout: '0' } as Timeouts,
};

/** What a confirmation shows of the database about to be changed. */
export interface Target {
  host: string;
  port: number;
  database: string;
  user: string;
  serverVersion: string;
}

export interface Connected {
  session: Session;
  settings: ConnectionSettings;
  runId: string;
  /** Host, port, database, user and server version (one query, only when asked). */
  target(): Promise<Target>;
  /** With the run lock: measures each unit's lock waits from the lock connection. */
  lockWaits?: LockWaitMonitor;
  /** With the run lock: the history has the guard that lets units be sent ahead (runSequence's sendAhead). */
  sendAhead?: boolean;
}

/** Validates settings before connecting, opens the work connection, always closes it. */
export async function withDatabase<T>(o: CommonOptions, fn: (c: Connected) => Promise<T>): Promise<T> {
  return connected(o, false, fn);
}

/** As withDatabase, for a command that writes: a read-only server is refused, then the run lock on a second connection and the history schema in place. */
export async function withLockedDatabase<T>(o: CommonOptions, label: string, fn: (c: Connected) => Promise<T>): Promise<T> {
  return connected(o, true, async (c, lockSql) => {
    await refuseReadOnly(c.session);
    const lock = await Session.open(lockSql!, o.log, o.timeouts);
    return withRunLock(lock, { waitMs: o.lockWaitMs, label: `migrate ${label} run ${c.runId.slice(0, 8)}`, log: o.log }, async () => {
      const { guard } = await History.ensure(c.session, o.log);
      const [{ pid }] = await c.session.query<{ pid: number }>('select pg_backend_pid() as pid');
      const lockWaits = new LockWaitMonitor(lock, pid);
      try {
        return await fn({ ...c, lockWaits, sendAhead: guard });
      } finally {
        await lockWaits.stop();
      }
    });
  });
}

async function connected<T>(o: CommonOptions, withLock: boolean, fn: (c: Connected, lockSql?: Sql) => Promise<T>): Promise<T> {
  const settings = settingsOf(o);
  const onNotice = (m: string) => o.log.info({ notice: true }, m);
  // Both connections are opened at once; a failure of either closes the other.
  const opened = await Promise.allSettled([
    connect(settings, { applicationName: 'migrate', onNotice }),
    withLock ? connect(settings, { applicationName: 'migrate (lock)' }) : Promise.resolve(undefined),
  ]);
  const [work, lock] = opened.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as [Sql | undefined, Sql | undefined];
  try {
    const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const session = await Session.open(work!, o.log, o.timeouts);
    const target = async (): Promise<Target> => {
      const [{ v }] = await session.query<{ v: string }>("select current_setting('server_version') as v");
      return { host: settings.host, port: settings.port, database: settings.database, user: settings.user, serverVersion: v };
    };
    return await fn({ session, settings, runId: o.runId ?? randomUUID(), target }, lock);
  } finally {
    await Promise.all([work, lock].map((s) => s?.end({ timeout: 5 }).catch(() => undefined)));
  }
}

/** Connection settings; whatever their parser throws (a bad %-escape, say) is a usage error, not a crash. */
function settingsOf(o: CommonOptions): ConnectionSettings {
  try {
    return resolveSettings(o.databaseUrl, o.env ?? process.env, o.warn ?? ((m) => o.log.warn({}, m)));
  } catch (err) {
    if (err instanceof MigrateError) throw err;
    const from = o.databaseUrl ? '--database-url' : (o.env ?? process.env).DATABASE_URL ? 'DATABASE_URL' : 'the PG* variables';
    throw new UsageError(`invalid connection settings from ${from}: ${redactUrl((err as Error).message ?? String(err))}`,
      'expected postgres://user[:password]@host[:port]/database; a "%" must start a %XX escape (write a literal % as %25)', { cause: err });
  }
}

export function migrationUnits(o: CommonOptions): Unit[] {
  return loadMigrations(path.resolve(o.migrationsDir));
}

/** The remediation sequence: the phases, with the migrations they wrap. */
export function phaseUnits(o: CommonOptions): Unit[] {
  if (!o.phasesDir) {
    throw new UsageError('this project has no phases folder, so there is no remediation sequence to run',
      `pass --phases-dir DIR; the default folder "${DEFAULTS.phasesDir}" is used only with the default migrations folder; \`migrate up\` applies the migrations folder`);
  }
  return loadPhases(path.resolve(o.phasesDir), migrationUnits(o));
}

/** Every unit the project knows: the phases' sequence, then migrations no phase wraps. */
export function allUnits(o: CommonOptions, opts: { phases: boolean } = { phases: true }): Unit[] {
  const migrations = migrationUnits(o);
  if (!opts.phases || !o.phasesDir) return migrations;
  const phases = loadPhases(path.resolve(o.phasesDir), migrations);
  const wrapped = new Set(phases.map((u) => u.name));
  return [...phases, ...migrations.filter((m) => !wrapped.has(m.name))];
}
