import type { Session } from '../../db/session';
import { flywayKey } from '../layouts/flyway';
import { compareUnits, type Unit } from '../units';
import { flywayChecksum } from './flyway-checksum';
import { noFile, tableOf } from './support';
import type { ForeignHistory, ForeignRecord, ImportSource } from './types';

type Row = {
  installed_rank: number; version: string | null; description: string; type: string; script: string;
  checksum: number | null; installed_by: string; installed_on: string; execution_time: number; success: boolean;
};

/** Rows that record no migration: the schema Flyway created. */
const BOOKKEEPING = new Set(['SCHEMA']);
/** Rows after which a version counts as not applied: an undo, or a missing migration `flyway repair` marked deleted. */
const REMOVES = (type: string) => type.startsWith('UNDO') || type === 'DELETE';

/**
 * flyway_schema_history, in installed_rank order: a version's latest row decides. A failed
 * row blocks; a baseline counts every version up to it as applied; a repeatable (no version)
 * has no counterpart here, so it blocks too. The checksum is compared for SQL rows.
 */
export const flyway: ImportSource = {
  tool: 'flyway',
  table: 'flyway_schema_history',
  async read(s: Session, table: string, units: readonly Unit[]): Promise<ForeignHistory> {
    const name = await tableOf(s, table, 'Flyway');
    const rows = await s.query<Row>(
      `select installed_rank, version, description, type, script, checksum, installed_by,
              to_char(installed_on::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as installed_on, execution_time, success
         from ${name} order by installed_rank`,
    );
    const problems: string[] = [];
    const applied = new Map<string, Row>();
    let baseline: Row | undefined;
    for (const r of rows) {
      if (BOOKKEEPING.has(r.type)) continue;
      const what = `${r.script} (rank ${r.installed_rank}, ${r.installed_on})`;
      if (!r.success) problems.push(`${what} FAILED in Flyway: repair or finish it with Flyway before importing`);
      else if (r.version === null) problems.push(`${what} is a repeatable migration, which this runner does not support`);
      else if (r.type === 'BASELINE') baseline = r;
      else if (REMOVES(r.type)) applied.delete(flywayKey(r.version));
      else applied.set(flywayKey(r.version), r);
    }
    const byKey = new Map(units.filter((u) => u.version !== undefined).map((u) => [flywayKey(u.version!), u]));
    const records: ForeignRecord[] = [];
    if (baseline) {
      const upTo = { version: baseline.version!, order: flywayKey(baseline.version!).split('.').map(Number) } as Unit;
      for (const u of units) {
        if (!applied.has(flywayKey(u.version ?? String(u.number))) && compareUnits(u, upTo) <= 0) {
          records.push({ unit: u, recorded: `baseline ${baseline.version}`, at: baseline.installed_on, user: baseline.installed_by, durationMs: null, detail: { from: 'flyway', baseline: baseline.version, description: baseline.description } });
        }
      }
    }
    for (const [key, r] of applied) {
      const unit = byKey.get(key);
      if (!unit) {
        problems.push(noFile('Flyway', `version ${r.version} (${r.script})`, ` on ${r.installed_on}`));
        continue;
      }
      const sum = r.type === 'SQL' && r.checksum !== null ? flywayChecksum(unit.up.text) : null;
      if (sum !== null && sum !== r.checksum) {
        problems.push(`${unit.name}: the file is not what Flyway applied (Flyway's checksum ${r.checksum}, the file's ${sum}); restore it as applied, import, then \`migrate repair ${unit.name}\` after review`);
        continue;
      }
      records.push({
        unit, recorded: `version ${r.version}`, at: r.installed_on, user: r.installed_by, durationMs: r.execution_time,
        detail: { from: 'flyway', version: r.version, script: r.script, type: r.type, installedRank: r.installed_rank, flywayChecksum: r.checksum, checksumMatches: sum === null ? null : true },
      });
    }
    return { records, problems };
  },
};
