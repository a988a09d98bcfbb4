import type { Session } from '../db/session';
import { namesIn } from '../db/name-index';
import { WRITE_CHECK, writeCheck, type WriteFacts } from '../db/writable';
import { drifted, isApplied, type UnitRecord } from '../engine/history';
import type { Unit } from '../engine/units';
import { TASK } from './expectations';
import type { TaskCheck } from './tasks';

export interface ServerFacts extends WriteFacts {
  serverVersion: string;
  invalidIndexes: Array<{ index: string; table: string }>;
  partitioned: PartitionFacts[];
}

interface PartitionFacts {
  table: string;
  strategy: 'r' | 'l' | 'h';
  /** Type of the single key column; null for multi-column or expression keys. */
  keyType: string | null;
  partitions: number;
  defaultPartition: string | null;
  /** Range partitions (not the default) whose bounds hold now(). */
  covering: string[] | null;
}

/**
 * Everything task 7 needs from the server, in one round trip of set-based catalog
 * queries: settings, every invalid index outside the system schemas, and the partitions
 * of the declared tables that are partitioned.
 */
export async function serverFacts(s: Session, declaredTables: readonly string[]): Promise<ServerFacts> {
  const [row] = await s.query<{ facts: RawFacts }>(FACTS_SQL, [JSON.stringify(declaredTables)]);
  const f = row.facts;
  return {
    serverVersion: f.server_version,
    transactionReadOnly: f.transaction_read_only === 'on',
    defaultTransactionReadOnly: f.default_transaction_read_only === 'on',
    inRecovery: f.in_recovery,
    invalidIndexes: f.invalid_indexes ?? [],
    partitioned: (f.partitioned ?? []).map((p) => ({
      table: p.tbl, strategy: p.strategy, keyType: p.key_type, partitions: p.partitions, defaultPartition: p.default_partition, covering: p.covering,
    })),
  };
}

/** What each engine check wants and where it looked (FACTS_SQL below, or the history), for the report. */
const HOW = {
  writes: { expected: 'not a standby; transaction_read_only and default_transaction_read_only off', query: "pg_is_in_recovery(), current_setting('transaction_read_only'), current_setting('default_transaction_read_only')" },
  invalid: { expected: 'no index with indisvalid = false', query: 'pg_index where not indisvalid, outside pg_catalog, information_schema, pg_toast' },
  partition: { expected: 'a partition whose range holds now(), or a default partition', query: 'pg_partitioned_table, pg_inherits, pg_get_expr(relpartbound) against now()' },
  drift: { expected: 'each applied unit\'s file has the checksum recorded when it was applied', query: 'sha256 of each up file against migrate.history.checksum' },
  applied: { expected: 'applied or adopted (a skippable unit may be absent)', query: 'migrate.history: latest applied, adopted or rolled_back row of the unit' },
};

/** Task 7, the engine's own part: not read-only, no invalid index, current partitions, no drift, every unit applied. */
export function readinessChecks(facts: ServerFacts, units: readonly Unit[], states: Map<string, UnitRecord>): TaskCheck[] {
  const out: TaskCheck[] = [];
  const add = (name: string, ok: boolean, detail: string, how: { expected: string; query: string }, unit?: string) =>
    out.push({ task: TASK.readiness, name, status: ok ? 'pass' : 'fail', detail, source: 'readiness', ...(unit ? { unit } : {}), ...how });

  const writes = writeCheck(facts);
  add(WRITE_CHECK, writes.ok, writes.detail, HOW.writes);

  const bad = facts.invalidIndexes;
  add('no invalid index', bad.length === 0, bad.length
    ? `invalid (pg_index.indisvalid = false): ${bad.map((i) => `${i.index} on ${i.table}`).join(', ')}; rebuild with REINDEX INDEX CONCURRENTLY or drop and recreate`
    : 'no index with indisvalid = false outside the system schemas', HOW.invalid);

  for (const p of facts.partitioned) {
    const name = `current partition of ${p.table}`;
    const timeRange = p.strategy === 'r' && p.keyType !== null && /^(date|timestamp)/.test(p.keyType);
    const add1 = (ok: boolean, detail: string) => add(name, ok, detail, HOW.partition);
    if (p.partitions === 0) add1(false, `${p.table} has no partition at all: every insert fails`);
    else if (timeRange && p.covering && p.covering.length > 0) add1(true, `${p.covering.join(', ')} covers now()${p.defaultPartition ? `; default partition ${p.defaultPartition}` : ''}`);
    else if (timeRange && p.defaultPartition) add1(true, `no range partition covers now(): rows land in the default partition ${p.defaultPartition}; create the current one before it fills`);
    else if (timeRange) add1(false, `no partition of ${p.table} covers now() and there is no default partition: inserts of current rows fail`);
    else add1(true, `partitioned by ${p.strategy === 'r' ? 'range' : p.strategy === 'l' ? 'list' : 'hash'}${p.keyType ? ` on a ${p.keyType} key` : ''}, not by time: ${p.partitions} partition(s)${p.defaultPartition ? `, default ${p.defaultPartition}` : ''}`);
  }

  const changed = drifted(units, states);
  add('no drift', changed.length === 0, changed.length
    ? `changed since applied: ${changed.map((u) => `${u.name} (${u.up.path})`).join(', ')}`
    : 'every applied unit\'s file matches the checksum in the history', HOW.drift);

  for (const u of units) {
    const r = states.get(u.name);
    const add1 = (ok: boolean, detail: string) => add(`unit ${u.name} applied`, ok, detail, HOW.applied, u.name);
    if (isApplied(r)) add1(true, `${r!.event} ${r!.at} by ${r!.dbUser}`);
    else if (u.skippable) add1(true, `not applied; skippable (${r ? 'rolled back' : 'never applied'}), so its checks are not required`);
    else add1(false, r ? `rolled back ${r.at}; not applied` : 'not applied (no history record)');
  }
  return out;
}

interface RawFacts {
  server_version: string;
  transaction_read_only: string;
  default_transaction_read_only: string;
  in_recovery: boolean;
  invalid_indexes: Array<{ index: string; table: string }> | null;
  partitioned: Array<{ tbl: string; strategy: 'r' | 'l' | 'h'; key_type: string | null; partitions: number; default_partition: string | null; covering: string[] | null }> | null;
}

// $1: declared tables as a JSON array of "schema.name".
// A range bound prints as FOR VALUES FROM ('…') TO ('…') (or MINVALUE / MAXVALUE); the
// casts only run for a single date/timestamp key column, so other keys never error.
const FACTS_SQL = `
with declared as (
  select c.oid, n.nspname || '.' || c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.relkind = 'p' and c.relname = any(${namesIn('select json_array_elements_text($1::text::json)')})
     and n.nspname || '.' || c.relname = any(array(select json_array_elements_text($1::text::json)))
), keyed as (
  select d.oid, d.name, pt.partstrat as strategy, pt.partdefid,
         case when pt.partnatts = 1 and pt.partattrs[0] <> 0
              then (select format_type(a.atttypid, null) from pg_attribute a where a.attrelid = d.oid and a.attnum = pt.partattrs[0]) end as key_type
    from declared d join pg_partitioned_table pt on pt.partrelid = d.oid
), parts as (
  select k.oid as parent, c.oid, n.nspname || '.' || c.relname as name, c.oid = k.partdefid as is_default,
         case when k.strategy = 'r' and k.key_type ~ '^(date|timestamp)'
              then regexp_match(pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \\((.+)\\) TO \\((.+)\\)$') end as bounds
    from keyed k join pg_inherits h on h.inhparent = k.oid join pg_class c on c.oid = h.inhrelid join pg_namespace n on n.oid = c.relnamespace
)
select json_build_object(
  'server_version', current_setting('server_version'),
  'transaction_read_only', current_setting('transaction_read_only'),
  'default_transaction_read_only', current_setting('default_transaction_read_only'),
  'in_recovery', pg_is_in_recovery(),
  'invalid_indexes', (select json_agg(json_build_object('index', n.nspname || '.' || ic.relname, 'table', tn.nspname || '.' || tc.relname) order by n.nspname, ic.relname)
                        from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_namespace n on n.oid = ic.relnamespace
                        join pg_class tc on tc.oid = i.indrelid join pg_namespace tn on tn.oid = tc.relnamespace
                       where not i.indisvalid and n.nspname not in ('pg_catalog', 'information_schema')
                         and n.nspname !~ '^pg_(toast|temp)'),
  'partitioned', (select json_agg(json_build_object(
                     'tbl', k.name, 'strategy', k.strategy, 'key_type', k.key_type,
                     'partitions', (select count(*) from parts p where p.parent = k.oid),
                     'default_partition', (select p.name from parts p where p.parent = k.oid and p.is_default),
                     'covering', (select json_agg(p.name order by p.name) from parts p
                                   where p.parent = k.oid and not p.is_default and p.bounds is not null
                                     and (p.bounds[1] = 'MINVALUE' or btrim(p.bounds[1], '''')::timestamptz <= now())
                                     and (p.bounds[2] = 'MAXVALUE' or now() < btrim(p.bounds[2], '''')::timestamptz))) order by k.name)
                    from keyed k)
) as facts`;
