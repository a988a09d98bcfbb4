import type { Session } from './session';
import type { TableLock } from './table-locks';

/** A session that holds or waits for a lock on a table the run will lock. */
export interface Blocker {
  pid: number;
  applicationName: string;
  user: string | null;
  state: string | null;
  /** Seconds its transaction has been open. */
  ageS: number;
  query: string;
  /** "public.users RowExclusiveLock", "… (waiting)" for a lock it waits for. */
  locks: string[];
  /** It holds or awaits a mode that conflicts with the one the run needs: the run would wait for it. */
  conflicts: boolean;
  /** Its application_name is this runner's own: an orphaned backend of an earlier run. */
  ownRunner: boolean;
}

/** pg_locks' names of the LOCK TABLE modes. */
const PG_MODE: Record<string, string> = {
  'ACCESS SHARE': 'AccessShareLock', 'ROW SHARE': 'RowShareLock', 'ROW EXCLUSIVE': 'RowExclusiveLock', 'SHARE UPDATE EXCLUSIVE': 'ShareUpdateExclusiveLock',
  SHARE: 'ShareLock', 'SHARE ROW EXCLUSIVE': 'ShareRowExclusiveLock', EXCLUSIVE: 'ExclusiveLock', 'ACCESS EXCLUSIVE': 'AccessExclusiveLock',
};

/** The prefix of every application_name this runner sets (db/connection.ts labels, the lock's label). */
export const RUNNER_APPLICATION = 'migrate';

/**
 * In one catalog query: the other sessions holding or waiting for a lock on `tables`, whose
 * transaction has been open at least `minAgeMs` (short application transactions come and go;
 * these are the ones an attempt would time out on), with what pg_stat_activity says of them.
 * `conflictsWith` maps each table to the LOCK TABLE modes that conflict with what the run
 * takes there (analysis/lock-footprint.ts CONFLICTS); `exclude` are the runner's own pids.
 */
export async function findBlockers(s: Session, tables: ReadonlyArray<TableLock & { conflictsWith: readonly string[] }>, o: { minAgeMs: number; exclude: readonly number[] }): Promise<Blocker[]> {
  if (tables.length === 0) return [];
  const wanted = tables.map((t) => ({ tbl: t.table, modes: t.conflictsWith.map((m) => PG_MODE[m]).join(',') }));
  const rows = await s.query<{ pid: number; application_name: string; usename: string | null; state: string | null; age_s: number; query: string; locks: string[]; conflicts: boolean }>(
    `with wanted as (
       select w.tbl, to_regclass(w.tbl) as rel, string_to_array(w.modes, ',') as modes
         from json_to_recordset($1::text::json) as w(tbl text, modes text)
     ), held as (
       select l.pid, w.tbl, l.mode, l.granted, l.mode = any(w.modes) as conflicts
         from wanted w join pg_locks l on l.locktype = 'relation' and l.relation = w.rel
          and l.database = (select oid from pg_database where datname = current_database())
        where w.rel is not null and l.pid <> all($2::text::int[]) and l.pid <> pg_backend_pid()
     )
     select a.pid, coalesce(a.application_name, '') as application_name, a.usename::text as usename, a.state,
            round(extract(epoch from clock_timestamp() - coalesce(a.xact_start, a.query_start))::numeric, 1)::float8 as age_s,
            left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 200) as query,
            json_agg(h.tbl || ' ' || h.mode || case when h.granted then '' else ' (waiting)' end order by h.tbl) as locks,
            bool_or(h.conflicts) as conflicts
       from held h join pg_stat_activity a on a.pid = h.pid
      where clock_timestamp() - coalesce(a.xact_start, a.query_start, clock_timestamp()) >= make_interval(secs => $3::float8 / 1000)
      group by a.pid, a.application_name, a.usename, a.state, a.xact_start, a.query_start, a.query
      order by bool_or(h.conflicts) desc, a.xact_start nulls last`,
    [JSON.stringify(wanted), `{${o.exclude.join(',')}}`, o.minAgeMs],
  );
  return rows.map((r) => ({
    pid: r.pid, applicationName: r.application_name, user: r.usename, state: r.state, ageS: Number(r.age_s), query: r.query, locks: r.locks, conflicts: r.conflicts,
    ownRunner: r.application_name.startsWith(RUNNER_APPLICATION),
  }));
}

/** "pid 123 (psql, user app, idle in transaction for 12.5 s): UPDATE users …". */
export function describeBlocker(b: Blocker): string {
  const who = b.ownRunner ? `an orphaned backend of an earlier migrate run (${b.applicationName})` : (b.applicationName || 'no application_name');
  return `pid ${b.pid} (${who}, user ${b.user ?? '?'}, ${b.state ?? 'unknown state'} for ${b.ageS} s, holding ${b.locks.join(', ')}): ${b.query || '(no query)'}`;
}
