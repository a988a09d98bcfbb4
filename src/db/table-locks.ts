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
 * in the order given (sorted by name), skipping those that do not exist (yet). The first
 * lock waits under the attempt's lock_timeout while the transaction holds no table lock;
 * the later ones wait at most half of deadlock_timeout (capped by lock_timeout), so while
 * the runner holds a lock and waits for the next, it gives way before the server's deadlock
 * check could pick an application transaction as the victim. Table names go in as JSON data,
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
  taken int := 0;
  own text := current_setting('lock_timeout');
  own_ms int := (SELECT setting::int FROM pg_settings WHERE name = 'lock_timeout');
  half_ms int := greatest(10, (SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout') / 2);
BEGIN
  FOR l IN SELECT * FROM json_to_recordset('${data.replace(/'/g, "''")}'::json) AS x(s text, r text, m text) LOOP
    CONTINUE WHEN to_regclass(format('%I.%I', l.s, l.r)) IS NULL;
    IF taken = 1 THEN
      PERFORM set_config('lock_timeout', (CASE WHEN own_ms = 0 THEN half_ms ELSE least(own_ms, half_ms) END)::text || 'ms', true);
    END IF;
    EXECUTE format('LOCK TABLE %I.%I IN %s MODE', l.s, l.r, l.m);
    taken := taken + 1;
  END LOOP;
  PERFORM set_config('lock_timeout', own, true);
END
${TAG}`;
  return { script, file: '(lock footprint)' };
}
