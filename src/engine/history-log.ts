import type { Session } from '../db/session';
import type { HistoryEventName } from './history';

/** One row of the history as `migrate log` shows it. */
export interface LogEntry {
  id: number;
  event: HistoryEventName;
  runId: string;
  unit: string;
  kind: string;
  dbUser: string;
  clientHost: string | null;
  at: string;
  durationMs: number | null;
  checksum: string | null;
  runnerVersion: string;
  detail: Record<string, unknown> | null;
}

/** The history newest first, of every unit or of one; empty when the schema was never created. */
export async function historyLog(s: Session, o: { limit?: number; unit?: string }): Promise<LogEntry[]> {
  const [{ present }] = await s.query<{ present: boolean }>("select to_regclass('migrate.history') is not null as present");
  if (!present) return [];
  const rows = await s.query<{
    id: string; event: HistoryEventName; run_id: string; unit: string; kind: string; db_user: string; client_host: string | null;
    at: string; duration_ms: number | null; checksum: string | null; runner_version: string; detail: Record<string, unknown> | null;
  }>(
    // client_host is inet_client_addr()::text, "127.0.0.1/32": the address alone reads better.
    `select id, event, run_id::text as run_id, unit, kind, db_user, regexp_replace(client_host, '/(32|128)$', '') as client_host,
            to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, duration_ms, checksum, runner_version, detail
       from migrate.history
      where $1::text is null or unit = $1::text
      order by id desc
      limit $2`,
    [o.unit ?? null, o.limit ?? null],
  );
  return rows.map((r) => ({
    id: Number(r.id), event: r.event, runId: r.run_id, unit: r.unit, kind: r.kind, dbUser: r.db_user, clientHost: r.client_host,
    at: r.at, durationMs: r.duration_ms, checksum: r.checksum, runnerVersion: r.runner_version, detail: r.detail,
  }));
}
