import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renumbered, type PipelineStep, type Session } from '../db/session';
import { BlockedError } from '../errors';
import type { Logger } from '../log';
import { RUNNER_VERSION } from '../version';
import type { Unit, UnitKind } from './units';

export type HistoryEventName = 'applied' | 'verified' | 'rolled_back' | 'adopted' | 'failed' | 'imported' | 'repaired';

/** The events that set a unit's state; a later `repaired` row only replaces the checksum. */
export type StateEvent = 'applied' | 'adopted' | 'imported' | 'rolled_back';

export interface HistoryEvent {
  runId: string;
  unit: string;
  kind: UnitKind;
  event: HistoryEventName;
  checksum?: string;
  /** Left out: measured by the server (see recordStep); null: not known (an import from a tool that keeps none). */
  durationMs?: number | null;
  precheck?: unknown;
  detail?: unknown;
  /** When and by whom, where another tool's history says (import); else now and current_user. */
  at?: string;
  dbUser?: string;
}

/** The latest state-changing row of a unit. */
export interface UnitRecord {
  unit: string;
  kind: UnitKind;
  event: StateEvent;
  /** The checksum applied, or the one a later `migrate repair` recorded. */
  checksum: string | null;
  at: string;
  dbUser: string;
  durationMs: number | null;
  runId: string;
}

/** The latest applied, adopted or imported row of a unit: which run made the change, who, from where, with which runner. */
export interface Application {
  unit: string;
  event: 'applied' | 'adopted' | 'imported';
  runId: string;
  at: string;
  dbUser: string;
  clientHost: string | null;
  runnerVersion: string;
  checksum: string | null;
}

/** A unit's latest attempt: its newest applied, adopted, rolled_back or failed row. */
export interface LastAttempt {
  event: StateEvent | 'failed' | 'repaired';
  at: string;
  /** The error of a failed attempt. */
  error: string | null;
  /** Which step a failed attempt ran: up (apply) or down (rollback). */
  direction: 'up' | 'down' | null;
  /** Failed attempts in a row since the unit's last state row or repair. */
  failures: number;
}

/** A timestamptz as ISO 8601 UTC text with milliseconds. */
const utc = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** One event as History.read receives it: a JSON array, in this order. */
type EventRow = [unit: string, kind: UnitKind, event: StateEvent | 'failed' | 'repaired', checksum: string | null, at: string,
  dbUser: string, durationMs: number | null, runId: string, error: string | null, direction: string | null];
const [UNIT, KIND, EVENT, CHECKSUM, AT, DB_USER, DURATION_MS, RUN_ID, ERROR, DIRECTION] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

const DDL = readFileSync(path.join(__dirname, 'history.sql'), 'utf8');
const GUARD_DDL = readFileSync(path.join(__dirname, 'history-guard.sql'), 'utf8')
  // The rollback proof's table and functions (unit-state.ts), installed with the guards.
  + readFileSync(path.join(__dirname, 'unit-state.sql'), 'utf8');
const EVENTS_DDL = readFileSync(path.join(__dirname, 'history-events.sql'), 'utf8');

/** The history table is the umzug storage; it lives in schema "migrate". */
export class History {
  /**
   * Creates the tracking schema, or adds what an older version of it lacks; called while
   * holding the run lock. migrate.hold_run_lock must be there (every unit's COMMIT depends on
   * it), and so must migrate.capture_before (the rollback proof, unit-state.ts);
   * migrate.require_applied lets units be sent ahead: a role that may write the history but
   * not create in its schema runs units one by one.
   */
  static async ensure(s: Session, log?: Logger): Promise<{ sendAhead: boolean }> {
    const [state] = await s.query<{ table: boolean; ahead: boolean; lock: boolean; proof: boolean; proofPlanned: boolean; events: boolean }>(
      `select to_regclass('migrate.history') is not null as table, to_regprocedure('migrate.require_applied(uuid,text)') is not null as ahead,
              to_regprocedure('migrate.hold_run_lock(integer,integer,integer,integer)') is not null as lock,
              to_regprocedure('migrate.capture_before(uuid,text,jsonb,text[])') is not null as proof,
              coalesce((select l.lanname = 'plpgsql' from pg_proc p join pg_language l on l.oid = p.prolang
                         where p.oid = to_regprocedure('migrate.capture_before(uuid,text,jsonb,text[])')), false) as "proofPlanned",
              coalesce((select pg_get_constraintdef(c.oid) like '%repaired%' from pg_constraint c
                         where c.conrelid = to_regclass('migrate.history') and c.conname = 'history_event_check'), true) as events`,
    );
    if (!state.table) {
      await s.script(DDL + GUARD_DDL, 'history.sql');
      return { sendAhead: true };
    }
    if (!state.events) await s.script(EVENTS_DDL, 'history-events.sql');
    if (state.ahead && state.lock && state.proof && state.proofPlanned) return { sendAhead: true };
    // A history schema from an earlier version of this runner: add the guards to it.
    try {
      await s.script(GUARD_DDL, 'history-guard.sql');
      return { sendAhead: true };
    } catch (err) {
      // Only the older, SQL-language capture_before, which this role may not replace: it works, planned at each call.
      if (state.ahead && state.lock && state.proof) return { sendAhead: true };
      if (!state.lock || !state.proof) {
        const what = state.lock ? 'migrate.capture_before, which keeps the state a rollback is checked against' : 'migrate.hold_run_lock, which proves at each COMMIT that this run still holds the migration lock';
        throw new BlockedError(`the history schema lacks ${what}, and this role cannot add it; nothing was run`,
          'run `migrate up` once as the owner of schema migrate (it adds the function), or grant CREATE on schema migrate', [(err as Error).message]);
      }
      log?.warn({ err: (err as Error).message }, 'could not add migrate.require_applied to the history schema; units run one round trip after another');
      return { sendAhead: false };
    }
  }

  /**
   * The units this run committed a state change for (applied, adopted, rolled back), with the
   * stored duration: after a lost connection, the one account of what committed.
   */
  static async committedInRun(s: Session, runId: string): Promise<Map<string, { event: UnitRecord['event']; durationMs: number | null }>> {
    if (!(await History.present(s))) return new Map();
    const rows = await s.query<{ unit: string; event: UnitRecord['event']; duration_ms: number | null }>(
      `select distinct on (unit) unit, event, duration_ms from migrate.history
        where run_id = $1 and event in ('applied', 'adopted', 'rolled_back') order by unit, id desc`,
      [runId],
    );
    return new Map(rows.map((r) => [r.unit, { event: r.event, durationMs: r.duration_ms }]));
  }

  /** Latest state per unit in one query; empty when the schema was never created (read-only callers). */
  static async latest(s: Session): Promise<Map<string, UnitRecord>> {
    return (await History.read(s)).states;
  }

  /**
   * In one query: each unit's latest state-changing row, and its latest attempt (applied,
   * adopted, rolled back or failed) with the error of a failure and how many attempts in a
   * row failed since its last success. Empty when the schema was never created. Only the
   * columns its readers use: a row's detail (an old row's whole-catalog map, for rollback
   * alone) is never sent here, only the two fields read of it.
   *
   * The rows come in history order and are folded here: a plain scan is planned and run on a
   * new server session in about half the time of the grouped, joined query that picked each
   * unit's rows on the server (17 -> 10 ms cold for 1,000 units), and every status, plan and
   * up opens a new session. They come as JSON arrays, up to 1,000 to a result row: one
   * JSON.parse per thousand events instead of a driver row object per event, each of its
   * ten fields decoded apart (10,000 events: 45 -> 12 ms of the client's time).
   */
  static async read(s: Session): Promise<{ states: Map<string, UnitRecord>; attempts: Map<string, LastAttempt> }> {
    const states = new Map<string, UnitRecord>();
    const attempts = new Map<string, LastAttempt>();
    if (!(await History.present(s))) return { states, attempts };
    const chunks = await s.query<{ rows: string }>(
      `select json_agg(json_build_array(unit, kind, event, checksum, ${utc('at')}, db_user, duration_ms, run_id::text,
                                        detail->>'error', detail->>'direction') order by id)::text as rows
         from migrate.history
        where event in ('applied', 'adopted', 'imported', 'rolled_back', 'failed', 'repaired')
        group by id / 1000
        order by id / 1000`,
    );
    // Per unit: its latest state row, the latest repair since that row (its checksum replaces
    // the row's), its latest row, and the failures since the later of the first two.
    const units = new Map<string, { state?: EventRow; repair?: EventRow; last?: EventRow; failures: number }>();
    for (const chunk of chunks) {
      for (const r of JSON.parse(chunk.rows) as EventRow[]) {
        const event = r[EVENT];
        let u = units.get(r[UNIT]);
        if (!u) units.set(r[UNIT], (u = { failures: 0 }));
        u.last = r;
        if (event === 'failed') u.failures++;
        else {
          u.failures = 0;
          u.repair = event === 'repaired' ? r : undefined;
          if (event !== 'repaired') u.state = r;
        }
      }
    }
    for (const [unit, { state, repair, last, failures }] of units) {
      if (state) {
        states.set(unit, {
          unit, kind: state[KIND], event: state[EVENT] as StateEvent, checksum: (repair ?? state)[CHECKSUM], at: state[AT], dbUser: state[DB_USER],
          durationMs: state[DURATION_MS], runId: state[RUN_ID],
        });
      }
      const failed = last![EVENT] === 'failed';
      attempts.set(unit, {
        event: last![EVENT], at: last![AT], error: last![ERROR],
        direction: last![DIRECTION] === 'down' ? 'down' : failed ? 'up' : null, failures: failed ? failures : 0,
      });
    }
    return { states, attempts };
  }

  /** The latest applied, adopted or imported row per unit, also of units rolled back since; empty without a history. */
  static async applications(s: Session): Promise<Map<string, Application>> {
    if (!(await History.present(s))) return new Map();
    const rows = await s.query<{ unit: string; event: Application['event']; run_id: string; at: string; db_user: string; client_host: string | null; runner_version: string; checksum: string | null }>(
      // client_host is inet_client_addr()::text, "127.0.0.1/32": the address alone reads better.
      `select distinct on (unit) unit, event, run_id::text as run_id, ${utc('at')} as at, db_user,
              regexp_replace(client_host, '/(32|128)$', '') as client_host, runner_version, checksum
         from migrate.history
        where event in ('applied', 'adopted', 'imported')
        order by unit, id desc`,
    );
    return new Map(rows.map((r) => [r.unit, {
      unit: r.unit, event: r.event, runId: r.run_id, at: r.at, dbUser: r.db_user, clientHost: r.client_host, runnerVersion: r.runner_version, checksum: r.checksum,
    }]));
  }

  /** The detail of a unit's "applied" row of a run (an old row holds its rollback proof there: unit-state.ts). */
  static async applyDetail(s: Session, runId: string, unit: string): Promise<Record<string, unknown> | null> {
    const [row] = await s.query<{ detail: Record<string, unknown> | null }>(
      `select detail from migrate.history where run_id = $1 and unit = $2 and event = 'applied' order by id desc limit 1`, [runId, unit]);
    return row?.detail ?? null;
  }

  private static async present(s: Session): Promise<boolean> {
    const [{ present }] = await s.query<{ present: boolean }>("select to_regclass('migrate.history') is not null as present");
    return present;
  }

  /** Writes one event; answers the duration stored with it (see recordStep). */
  static async record(s: Session, e: HistoryEvent): Promise<number | null> {
    const { query, params } = History.recordStep(e);
    return History.recordedMs(await s.query(query, params));
  }

  /**
   * The insert as a pipeline step; it returns the stored duration, so the figure a caller
   * reports is the one in the row. Without a durationMs the server measures it: the time
   * from the start of the unit's transaction (now(), or the mark of unitStartStep when the
   * unit is a savepoint inside a larger transaction) to this insert, just before COMMIT.
   */
  static recordStep(e: HistoryEvent, last?: PipelineStep): { query: string; params: unknown[] } {
    const params = [e.runId, e.unit, e.kind, e.event, e.checksum ?? null, e.durationMs ?? null, RUNNER_VERSION,
      e.precheck === undefined ? null : JSON.stringify(e.precheck), e.detail === undefined ? null : JSON.stringify(e.detail), e.at ?? null, e.dbUser ?? null, e.durationMs === null];
    const values = `$1::uuid, $2::text, $3::text, $4::text, $5::text, case when $12::boolean then null else coalesce($6::int, (extract(epoch from clock_timestamp()
                        - coalesce(nullif(current_setting('migrate.unit_started', true), '')::timestamptz, now())) * 1000)::int) end,
                      $7::text, $8::text::jsonb, $9::text::jsonb, coalesce($10::timestamptz, clock_timestamp()), coalesce($11::text, current_user)`;
    const insert = 'insert into migrate.history (run_id, unit, kind, event, checksum, duration_ms, runner_version, precheck, detail, at, db_user)';
    if (!last?.query) return { query: `${insert}\n              values (${values})\n              returning duration_ms`, params };
    // `last` (the run-lock guard) in the same statement, one answer fewer per unit. MATERIALIZED:
    // a CTE that is materialized computes its whole row, so the guard always runs.
    return {
      query: `with last_step as materialized (${renumbered(last.query, params.length)})\n${insert}\n              select ${values} from last_step\n              returning duration_ms`,
      params: [...params, ...(last.params ?? [])],
    };
  }

  /** The duration a recordStep returned, from its result rows. */
  static recordedMs(rows: unknown): number | null {
    return (rows as Array<{ duration_ms: number | null }>)[0]?.duration_ms ?? null;
  }

  /**
   * Marks the start of a unit that runs as a savepoint (--single-transaction, --dry-run),
   * where now() is the start of the whole run; the mark lasts until the transaction ends.
   */
  static unitStartStep(): { query: string } {
    return { query: "select set_config('migrate.unit_started', clock_timestamp()::text, true)" };
  }

  /** A step that aborts its transaction unless `unit` committed its "applied" row in this run. */
  static requireAppliedStep(runId: string, unit: string): { query: string; params: unknown[]; joinable: true } {
    return { query: 'select migrate.require_applied($1, $2)', params: [runId, unit], joinable: true };
  }
}

export function isApplied(r: UnitRecord | undefined): boolean {
  return r !== undefined && r.event !== 'rolled_back';
}

/**
 * Units whose file changed since they were applied: `up` and `remediate` refuse while any exist.
 * Here, beside isApplied, so that verify's readiness check does not load the run planner.
 */
export function drifted(units: readonly Unit[], states: Map<string, UnitRecord>): Unit[] {
  return units.filter((u) => {
    const r = states.get(u.name);
    return isApplied(r) && r!.checksum !== null && r!.checksum !== u.checksum;
  });
}
