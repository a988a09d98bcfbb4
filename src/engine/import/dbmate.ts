import type { Session } from '../../db/session';
import type { Unit } from '../units';
import { noFile, tableOf, unitByNumber } from './support';
import type { ForeignHistory, ImportSource } from './types';

/** dbmate keeps one row per applied version (varchar), and no time nor user. */
export const dbmate: ImportSource = {
  tool: 'dbmate',
  table: 'schema_migrations',
  async read(s: Session, table: string, units: readonly Unit[]): Promise<ForeignHistory> {
    const name = await tableOf(s, table, 'dbmate');
    const rows = await s.query<{ version: string }>(`select version::text as version from ${name} order by version`);
    const problems: string[] = [];
    const records = rows.flatMap(({ version }) => {
      const unit = /^\d+$/.test(version) ? unitByNumber(units, version) : undefined;
      if (!unit) problems.push(noFile('dbmate', `version ${version}`));
      return unit ? [{ unit, recorded: `version ${version}`, at: null, user: null, durationMs: null, detail: { from: 'dbmate', version } }] : [];
    });
    return { records, problems };
  },
};
