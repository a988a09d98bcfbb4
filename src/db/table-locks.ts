import type { PipelineStep } from './session';

/** One table the runner locks up front, schema-qualified, in a mode of LOCK TABLE. */
export interface TableLock {
  table: string;
  lock: string;
}

const MODES = new Set(['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE']);
const TAG = '$migrate_locks$';

/**
 * The first statement of a unit's transaction: LOCK TABLE for each table of its footprint,
 * in the order given, skipping those that do not exist (yet) and relations that are not
 * tables (an index a statement renames, a view). The first lock waits under the
 * attempt's lock_timeout while the transaction holds no table lock; all later ones together
 * wait at most half of deadlock_timeout (and no longer than lock_timeout), so while the runner
 * holds a lock and waits for the next it gives way before the server's deadlock check could
 * pick an application transaction that waits for it as the victim. A lock not had in time
 * fails with 55P03 naming the table (LOCKED_TABLE_DETAIL). Table names go in as JSON data,
 * quoted by the server (%I); only known modes are accepted.
 */
export function lockTablesStep(locks: readonly TableLock[]): PipelineStep | undefined {
  if (locks.length === 0) return undefined;
  for (const l of locks) if (!MODES.has(l.lock)) throw new Error(`not a table lock mode: ${l.lock}`);
  const data = JSON.stringify(locks.map((l) => ({ s: l.table.slice(0, l.table.lastIndexOf('.')), r: l.table.slice(l.table.lastIndexOf('.') + 1), m: l.lock })));
  if (data.includes(TAG)) throw new Error('a table name holds the lock step\'s quote tag');
  const script = `DO ${TAG}
DECLARE
  l record;
  held text[] := '{}';
  own text := current_setting('lock_timeout');
  own_ms int := (SELECT setting::int FROM pg_settings WHERE name = 'lock_timeout');
  budget_ms int := greatest(10, (SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout') / 2);
  deadline timestamptz;
  left_ms int;
BEGIN
  IF own_ms > 0 THEN budget_ms := least(own_ms, budget_ms); END IF;
  FOR l IN SELECT * FROM json_to_recordset('${data.replace(/'/g, "''")}'::json) AS x(s text, r text, m text) LOOP
    -- LOCK TABLE takes tables; an index, sequence or view in the footprint is left to its statement.
    CONTINUE WHEN NOT coalesce((SELECT c.relkind IN ('r', 'p') FROM pg_class c WHERE c.oid = to_regclass(format('%I.%I', l.s, l.r))), false);
    IF deadline IS NOT NULL THEN
      left_ms := greatest(1, (extract(epoch FROM deadline - clock_timestamp()) * 1000)::int);
      PERFORM set_config('lock_timeout', left_ms || 'ms', true);
    END IF;
    BEGIN
      EXECUTE format('LOCK TABLE %I.%I IN %s MODE', l.s, l.r, l.m);
    EXCEPTION WHEN lock_not_available THEN
      RAISE EXCEPTION 'could not lock %.% in % mode within lock_timeout%', l.s, l.r, l.m,
          CASE WHEN cardinality(held) > 0 THEN ', while holding ' || array_to_string(held, ', ') ELSE '' END
        USING ERRCODE = 'lock_not_available', DETAIL = '${LOCKED_TABLE_DETAIL}' || l.s || '.' || l.r;
    END;
    held := held || (l.s || '.' || l.r);
    deadline := coalesce(deadline, clock_timestamp() + make_interval(secs => budget_ms / 1000.0));
  END LOOP;
  PERFORM set_config('lock_timeout', own, true);
END
${TAG}`;
  return { script, file: '(lock footprint)' };
}

/** The detail of the lock step's 55P03: this prefix, then the table it could not lock. */
export const LOCKED_TABLE_DETAIL = 'table ';

/** The table a lock step could not lock, from its error. */
export function lockedTableOf(err: unknown): string | undefined {
  for (let e = err as { detail?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth++) {
    if (typeof e.detail === 'string' && e.detail.startsWith(LOCKED_TABLE_DETAIL)) return e.detail.slice(LOCKED_TABLE_DETAIL.length);
  }
  return undefined;
}
