import type { Session } from '../../db/session';
import { UsageError } from '../../errors';
import type { Unit } from '../units';

/**
 * The table, as the server names it (quoted where needed), or a usage error: the name comes
 * from --table, so it is resolved by the server (to_regclass) and only its answer goes into SQL.
 */
export async function tableOf(s: Session, table: string, tool: string): Promise<string> {
  const [{ name }] = await s.query<{ name: string | null }>('select to_regclass($1)::text as name', [table]);
  if (!name) throw new UsageError(`there is no table ${table} in this database, so there is no ${tool} history to import`, `connect to the database ${tool} migrated, or name its table with --table`);
  return name;
}

/** The unit whose single-part version is this number ("000042" is 42). */
export function unitByNumber(units: readonly Unit[], version: string): Unit | undefined {
  return units.find((u) => (u.order ?? [u.number]).length === 1 && BigInt(u.order?.[0] ?? u.number) === BigInt(version));
}

export const noFile = (tool: string, recorded: string, more = '') => `${tool} applied ${recorded}${more}, but no file in the migrations folder has that version`;
