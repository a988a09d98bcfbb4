import type { Session } from '../../db/session';
import type { Unit } from '../units';
import { noFile, tableOf, unitByNumber } from './support';
import type { ForeignHistory, ImportSource } from './types';

/**
 * golang-migrate keeps one row: the version it reached and whether it stopped part-way
 * (dirty). Every file up to that version is applied; a dirty version blocks, since nobody
 * knows how much of it ran. It stores no time nor user.
 */
export const golang: ImportSource = {
  tool: 'golang-migrate',
  table: 'schema_migrations',
  async read(s: Session, table: string, units: readonly Unit[]): Promise<ForeignHistory> {
    const name = await tableOf(s, table, 'golang-migrate');
    const rows = await s.query<{ version: string; dirty: boolean }>(`select version::text as version, dirty from ${name}`);
    if (rows.length === 0) return { records: [], problems: [] };
    if (rows.length > 1) return { records: [], problems: [`${name} holds ${rows.length} rows; golang-migrate keeps one (is this dbmate's table? use --from dbmate)`] };
    const [{ version, dirty }] = rows;
    if (dirty) {
      return { records: [], problems: [`version ${version} is dirty: golang-migrate stopped part-way through it; check what of it ran, fix the database by hand, then \`migrate force\` it with golang-migrate (or remove the row) and import again`] };
    }
    const reached = unitByNumber(units, version);
    if (!reached) return { records: [], problems: [noFile('golang-migrate', `up to version ${version}`)] };
    const upTo = BigInt(version);
    const applied = units.filter((u) => (u.order ?? [u.number]).length === 1 && BigInt(u.order?.[0] ?? u.number) <= upTo);
    return {
      records: applied.map((unit) => ({ unit, recorded: `version ${version}`, at: null, user: null, durationMs: null, detail: { from: 'golang-migrate', version } })),
      problems: [],
    };
  },
};
