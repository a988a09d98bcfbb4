import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { boundsFor } from '../db/bounds';
import { Connection } from '../db/connection';
import { Session, type Timeouts } from '../db/session';
import { redactUrl, resolveSettings, type ConnectionSettings } from '../db/settings';
import { watch, type Watch } from '../db/watchdog';
import type { RunLock } from '../engine/lock';
import type { Interrupt } from '../engine/interrupt';
import type { LockWaitMonitor } from '../engine/lock-waits';
import type { ProgressSink } from '../engine/progress';
import { loadMigrations, loadPhases, openMigrationFolder, readMigrationsInTurns, type Unit } from '../engine/units';
import type { Logger } from '../log';
import { MigrateError, UsageError } from '../errors';
import { DEFAULTS } from './defaults';

/** What every command takes; the CLI builds it once from the shared flags. */
export interface CommonOptions {
  databaseUrl?: string;
  migrationsDir: string;
  /** Absent in a project without phases (see unitFolders in flags.ts). */
  phasesDir?: string;
  /** How long to wait for another runner's lock before exit 5. */
  lockWaitMs: number;
  timeouts: Timeouts;
  /** --connection-timeout: every wait on the network derives from it (db/bounds.ts). */
  connectionTimeoutMs?: number;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** What the user must see whatever the log level, as psql shows libpq's warnings (an unsafe pgpass file). */
  warn?: (message: string) => void;
  /** Chosen by the command before it connects, so even a refusal can name its run. */
  runId?: string;
  /** Commands that run units: Ctrl-C / SIGTERM, cancelled on the server from the lock connection. */
  interrupt?: Interrupt;
  /** Commands that run units: told as units start, wait and end (commands/run-progress.ts). */
  progress?: ProgressSink;
}

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
  /**
   * After the work connection was lost: a new session, once the server has ended every
   * session of this command that was lost, so the history it reads is final.
   */
  reopen(): Promise<Session>;
  /** With the run lock: measures each unit's lock waits from the lock connection. */
  lockWaits?: LockWaitMonitor;
  /** With the run lock: the history has the guard that lets units be sent ahead (runSequence's sendAhead). */
  sendAhead?: boolean;
  /** With the run lock: what every unit's transaction checks before it commits. */
  runLock?: RunLock;
}

/** Validates settings before connecting, opens the work connection, always closes it. */
export async function withDatabase<T>(o: CommonOptions, fn: (c: Connected) => Promise<T>): Promise<T> {
  return connected(o, false, fn);
}

/** As withDatabase, for a command that writes: a read-only server is refused, then the run lock on a second connection and the history schema in place. */
export async function withLockedDatabase<T>(o: CommonOptions, label: string, fn: (c: Connected) => Promise<T>): Promise<T> {
  // Required here, not at the top: a read-only command (status) does not load them.
  const { refuseReadOnly } = require('../db/writable') as typeof import('../db/writable');
  const { withRunLock } = require('../engine/lock') as typeof import('../engine/lock');
  const { History } = require('../engine/history') as typeof import('../engine/history');
  const { LockWaitMonitor } = require('../engine/lock-waits') as typeof import('../engine/lock-waits');
  return connected(o, true, async (c, lock) => {
    await refuseReadOnly(c.session);
    return withRunLock(lock!, { waitMs: o.lockWaitMs, label: `migrate ${label} run ${c.runId.slice(0, 8)}`, log: o.log }, async (runLock) => {
      const { sendAhead } = await History.ensure(c.session, o.log);
      const lockWaits = new LockWaitMonitor(lock!, c.session.connection.backend.pid, { interrupt: o.interrupt, progress: o.progress });
      try {
        return await fn({ ...c, lockWaits, sendAhead, runLock });
      } finally {
        await lockWaits.stop();
      }
    });
  });
}

/**
 * Opens the work connection (and the lock connection), each watched so that no round trip
 * waits on a silent server for longer than the bounds allow: the work connection's stalls
 * are looked into from the lock connection, or from a probe connection opened when needed.
 */
async function connected<T>(o: CommonOptions, withLock: boolean, fn: (c: Connected, lock?: Session) => Promise<T>): Promise<T> {
  const settings = settingsOf(o);
  const bounds = boundsFor(o.connectionTimeoutMs);
  const onNotice = (m: string) => o.log.info({ notice: true }, m);
  const open = (label: string, notices?: (m: string) => void) => Connection.open(settings, { label, bounds, onNotice: notices });
  // Both connections are opened at once; a failure of either closes the other.
  const opened = await Promise.allSettled([open('migrate', onNotice), withLock ? open('migrate (lock)') : Promise.resolve(undefined)]);
  const connections = opened.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
  const watches: Watch[] = [];
  let finished = false;
  try {
    const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const [work, lockConnection] = connections;
    const lockSession = lockConnection && Session.open(lockConnection, o.log, o.timeouts, bounds);
    let probe: Promise<Session> | undefined;
    const openProbe = async () => {
      const c = await open('migrate (probe)');
      // Opened while the command was ending: nobody would close it.
      if (finished) await c.close();
      connections.push(c);
      watches.push(watch(c, { bounds, log: o.log }));
      return Session.open(c, o.log, o.timeouts, bounds);
    };
    // Watched from the first round trip on: the lock connection is the work connection's probe.
    watches.push(watch(work, { bounds, log: o.log, probe: lockSession ? () => lockSession : () => (probe ??= openProbe()) }));
    if (lockConnection) watches.push(watch(lockConnection, { bounds, log: o.log }));
    const [session, lock] = await Promise.all([Session.open(work, o.log, o.timeouts, bounds), lockSession]);
    const target = async (): Promise<Target> => {
      const { serverFacts } = require('../db/server-facts') as typeof import('../db/server-facts');
      const { version } = await serverFacts(session);
      return { host: settings.host, port: settings.port, database: settings.database, user: settings.user, serverVersion: version };
    };
    const reopen = async () => {
      // Only after a lost connection.
      const { reopenAfterLoss } = require('../db/reopen') as typeof import('../db/reopen');
      const fresh = await reopenAfterLoss(settings, connections.filter((c) => c.lost), { bounds, log: o.log, timeouts: o.timeouts });
      connections.push(fresh.session.connection);
      watches.push(fresh.watch);
      return fresh.session;
    };
    return await fn({ session, settings, runId: o.runId ?? randomUUID(), target, reopen }, lock);
  } finally {
    finished = true;
    for (const w of watches) w.stop();
    // Without the run lock nothing is held once fn has returned (every transaction of it has
    // ended): the command does not wait for the server to end its sessions.
    await Promise.all(connections.map((c) => c.close({ waitForServer: withLock })));
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
  return withPhases(o, migrationUnits(o), opts);
}

/**
 * As allUnits, in two steps: the migrations folder is listed at once (a missing one is
 * refused before anything connects); its files are then read in slices that let a
 * connection open meanwhile (readMigrationsInTurns). lazyDowns: a down step's file is read
 * only when its text is used (status asks only whether a unit has one).
 */
export function allUnitsInTurns(o: CommonOptions, opts: { phases: boolean; lazyDowns?: boolean } = { phases: true }): () => Promise<Unit[]> {
  const folder = openMigrationFolder(path.resolve(o.migrationsDir), { lazyDowns: opts.lazyDowns });
  return async () => withPhases(o, await readMigrationsInTurns(folder), opts);
}

function withPhases(o: CommonOptions, migrations: Unit[], opts: { phases: boolean }): Unit[] {
  if (!opts.phases || !o.phasesDir) return migrations;
  const phases = loadPhases(path.resolve(o.phasesDir), migrations);
  const wrapped = new Set(phases.map((u) => u.name));
  return [...phases, ...migrations.filter((m) => !wrapped.has(m.name))];
}
