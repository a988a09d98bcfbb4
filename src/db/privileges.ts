import type { Session } from './session';

export interface PrivilegeCheck {
  on: 'table' | 'schema' | 'database';
  name: string;
  privilege: string;
}

/**
 * Which of `needs` the connected user lacks, in one query: table privileges
 * (has_table_privilege), OWNER as membership in the owner's role, CREATE on a schema or the
 * database. Objects that do not exist are left out (the plan creates them first, or `plan`
 * reports them as gaps).
 */
export async function missingPrivileges<T extends PrivilegeCheck>(s: Session, needs: readonly T[]): Promise<T[]> {
  if (needs.length === 0) return [];
  const rows = await s.query<{ i: number }>(
    `select n.i from json_to_recordset($1::text::json) as n(i int, "on" text, name text, privilege text)
      where case n."on"
              when 'table' then to_regclass(n.name) is not null and not case n.privilege
                when 'OWNER' then pg_has_role(current_user, (select relowner from pg_class where oid = to_regclass(n.name)), 'USAGE')
                else has_table_privilege(to_regclass(n.name), n.privilege) end
              when 'schema' then to_regnamespace(n.name) is not null and not has_schema_privilege(to_regnamespace(n.name)::oid, 'CREATE')
              else not has_database_privilege(current_database(), 'CREATE')
            end`,
    [JSON.stringify(needs.map((n, i) => ({ i, on: n.on, name: n.name, privilege: n.privilege })))],
  );
  return rows.map((r) => needs[r.i]);
}

/** Of `names`, the extensions neither installed nor available on the server, and those installed. */
export async function extensionAvailability(s: Session, names: readonly string[]): Promise<{ missing: string[]; installed: string[] }> {
  if (names.length === 0) return { missing: [], installed: [] };
  const rows = await s.query<{ name: string; available: boolean; installed: boolean }>(
    `select n.name, e.name is not null as available, e.installed_version is not null as installed
       from json_array_elements_text($1::text::json) as n(name) left join pg_available_extensions e on e.name = n.name`,
    [JSON.stringify(names)],
  );
  return { missing: rows.filter((r) => !r.available).map((r) => r.name), installed: rows.filter((r) => r.installed).map((r) => r.name) };
}
