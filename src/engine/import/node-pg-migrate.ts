import type { Session } from '../../db/session';
import type { Unit } from '../units';
import { noFile, tableOf, unitByNumber } from './support';
import type { ForeignHistory, ImportSource } from './types';

/**
 * node-pg-migrate keeps one row per applied migration: its file name without the extension
 * (`1700000000000_create-users`) and when it ran (timestamp, server time). A row matches the
 * unit of that name, else the unit with its number prefix (the SQL rewritten in another layout).
 */
export const nodePgMigrate: ImportSource = {
  tool: 'node-pg-migrate',
  table: 'pgmigrations',
  async read(s: Session, table: string, units: readonly Unit[]): Promise<ForeignHistory> {
    const name = await tableOf(s, table, 'node-pg-migrate');
    const rows = await s.query<{ id: number; name: string; run_on: string }>(
      `select id, name, to_char(run_on::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as run_on from ${name} order by id`,
    );
    const problems: string[] = [];
    const records = rows.flatMap((r) => {
      const prefix = /^(\d+)/.exec(r.name)?.[1];
      const unit = units.find((u) => u.name === r.name) ?? (prefix ? unitByNumber(units, prefix) : undefined);
      if (!unit) problems.push(noFile('node-pg-migrate', r.name, ` on ${r.run_on}`));
      return unit ? [{ unit, recorded: r.name, at: r.run_on, user: null, durationMs: null, detail: { from: 'node-pg-migrate', name: r.name, id: r.id } }] : [];
    });
    return { records, problems };
  },
};
