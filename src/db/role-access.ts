import type { Session } from './session';

export interface RoleAccess {
  user: string;
  superuser: boolean;
  roles: Map<string, { exists: boolean; canSet: boolean; grant: string }>;
}

/**
 * Whether the connected user may `SET ROLE` to each of `names`, in one query: PostgreSQL 16
 * made that its own privilege of a membership (SET), before it any membership allowed it.
 * Also the GRANT that would allow it, quoted by the server.
 */
export async function roleAccess(s: Session, names: readonly string[]): Promise<RoleAccess> {
  const [row] = await s.query<{ user: string; superuser: boolean; roles: Array<{ name: string; exists: boolean; can_set: boolean | null; grant: string }> }>(
    `select current_user as "user",
            coalesce((select rolsuper from pg_roles where rolname = current_user), false) as superuser,
            (select coalesce(json_agg(json_build_object(
                 'name', r.name,
                 'exists', p.oid is not null,
                 'can_set', p.oid is not null and pg_has_role(current_user, p.oid,
                   case when current_setting('server_version_num')::int >= 160000 then 'SET' else 'MEMBER' end),
                 'grant', format('GRANT %I TO %I;', r.name, current_user))), '[]'::json)
               from json_array_elements_text($1::text::json) as r(name)
               left join pg_roles p on p.rolname = r.name) as roles`,
    [JSON.stringify([...new Set(names)])],
  );
  return {
    user: row.user,
    superuser: row.superuser,
    roles: new Map(row.roles.map((r) => [r.name, { exists: r.exists, canSet: r.can_set === true, grant: r.grant }])),
  };
}
