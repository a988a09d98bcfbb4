import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Session } from '../db/session';
import type { Logger } from '../log';
import { RUNNER_VERSION } from '../version';
import type { UnitKind } from './units';

export type HistoryEventName = 'applied' | 'verified' | 'rolled_back' | 'adopted' | 'failed';

export interface HistoryEvent {
  runId: string;
  unit: string;
  kind: UnitKind;
  event: HistoryEventName;
  checksum?: string;
  durationMs?: number;
  precheck?: unknown;
  detail?: unknown;
}

/** The latest state-changing row of a unit. */
export interface UnitRecord {
  unit: string;
  kind: UnitKind;
  event: 'applied' | 'adopted' | 'rolled_back';
  checksum: string | null;
  at: string;
  dbUser: string;
  clientHost: string | null;
  durationMs: number | null;
  runId: string;
  detail: Record<string, unknown> | null;
}

/** The latest applied or adopted row of a unit: which run made the change, who, from where, with which runner. */
export interface Application {
  unit: string;
  event: 'applied' | 'adopted';
  runId: string;
  at: string;
  dbUser: string;
  clientHost: string | null;
  runnerVersion: string;
  checksum: string | null;
}

const AT_UTC = `to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at`;

const DDL = readFileSync(path.join(__dirname, 'history.sql'), 'utf8');
const GUARD_DDL = readFileSync(path.join(__dirname, 'history-guard.sql'), 'utf8');

/** The history table is the umzug storage; it lives in schema "migrate". */
export class History {
  /**
   * Creates the tracking schema, or adds what an older version of it lacks; called while
   * holding the run lock. Answers whether the guard for sending units ahead is there: a
   * role that may write the history but not create in its schema runs units one by one.
   */
  static async ensure(s: Session, log?: Logger): Promise<{ guard: boolean }> {
    const [state] = await s.query<{ table: boolean; guard: boolean }>(
      "select to_regclass('migrate.history') is not null as table, to_regprocedure('migrate.require_applied(uuid,text)') is not null as guard",
    );
    if (!state.table) {
      await s.script(DDL + GUARD_DDL, 'history.sql');
      return { guard: true };
    }
    if (state.guard) return { guard: true };
    // A history schema from an earlier version of this runner: add the guard to it.
    try {
      await s.script(GUARD_DDL, 'history-guard.sql');
      return { guard: true };
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'could not add migrate.require_applied to the history schema; units run one round trip after another');
      return { guard: false };
    }
  }

  /** Latest state per unit in one query; empty when the schema was never created (read-only callers). */
  static async latest(s: Session): Promise<Map<string, UnitRecord>> {
    const out = new Map<string, UnitRecord>();
    if (!(await History.present(s))) return out;
    const rows = await s.query<{
      unit: string; kind: UnitKind; event: UnitRecord['event']; checksum: string | null; at: string;
      db_user: string; client_host: string | null; duration_ms: number | null; run_id: string; detail: Record<string, unknown> | null;
    }>(
      `select distinct on (unit) unit, kind, event, checksum, ${AT_UTC},
              db_user, client_host, duration_ms, run_id::text as run_id, detail
         from migrate.history
        where event in ('applied', 'adopted', 'rolled_back')
        order by unit, id desc`,
    );
    for (const r of rows) {
      out.set(r.unit, {
        unit: r.unit, kind: r.kind, event: r.event, checksum: r.checksum, at: r.at, dbUser: r.db_user,
        clientHost: r.client_host, durationMs: r.duration_ms, runId: r.run_id, detail: r.detail,
      });
    }
    return out;
  }

  /** The latest applied or adopted row per unit, also of units rolled back since; empty without a history. */
  static async applications(s: Session): Promise<Map<string, Application>> {
    if (!(await History.present(s))) return new Map();
    const rows = await s.query<{ unit: string; event: Application['event']; run_id: string; at: string; db_user: string; client_host: string | null; runner_version: string; checksum: string | null }>(
      // client_host is inet_client_addr()::text, "127.0.0.1/32": the address alone reads better.
      `select distinct on (unit) unit, event, run_id::text as run_id, ${AT_UTC}, db_user,
              regexp_replace(client_host, '/(32|128)$', '') as client_host, runner_version, checksum
         from migrate.history
        where event in ('applied', 'adopted')
        order by unit, id desc`,
    );
    return new Map(rows.map((r) => [r.unit, {
      unit: r.unit, event: r.event, runId: r.run_id, at: r.at, dbUser: r.db_user, clientHost: r.client_host, runnerVersion: r.runner_version, checksum: r.checksum,
    }]));
  }

  private static async present(s: Session): Promise<boolean> {
    const [{ present }] = await s.query<{ present: boolean }>("select to_regclass('migrate.history') is not null as present");
    return present;
  }

  static async record(s: Session, e: HistoryEvent): Promise<void> {
    const { query, params } = History.recordStep(e);
    await s.query(query, params);
  }

  /**
   * The insert as a pipeline step. Without a durationMs the server measures it: inside the
   * unit's transaction, clock_timestamp() - now() is the time since the unit began.
   */
  static recordStep(e: HistoryEvent): { query: string; params: unknown[] } {
    return {
      query: `insert into migrate.history (run_id, unit, kind, event, checksum, duration_ms, runner_version, precheck, detail)
              values ($1, $2, $3, $4, $5, coalesce($6::int, (extract(epoch from clock_timestamp() - now()) * 1000)::int), $7, $8::text::jsonb, $9::text::jsonb)`,
      params: [e.runId, e.unit, e.kind, e.event, e.checksum ?? null, e.durationMs ?? null, RUNNER_VERSION,
        e.precheck === undefined ? null : JSON.stringify(e.precheck), e.detail === undefined ? null : JSON.stringify(e.detail)],
    };
  }

  /** A step that aborts its transaction unless `unit` committed its "applied" row in this run. */
  static requireAppliedStep(runId: string, unit: string): { query: string; params: unknown[] } {
    return { query: 'select migrate.require_applied($1, $2)', params: [runId, unit] };
  }
}

export function isApplied(r: UnitRecord | undefined): boolean {
  return r !== undefined && r.event !== 'rolled_back';
}
