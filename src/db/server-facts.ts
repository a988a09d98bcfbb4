import type { Session } from './session';

/** What the checks before a run need to know about the server and the role the runner is. */
export interface ServerFacts {
  /** The server's major version (13, 14, …). */
  major: number;
  /** server_version as the server says it, e.g. "15.20 (Debian 15.20-0+deb12u1)". */
  version: string;
  /** current_user is a superuser (pg_roles.rolsuper). */
  superuser: boolean;
  role: string;
}

export async function serverFacts(s: Session): Promise<ServerFacts> {
  const [row] = await s.query<{ num: number; version: string; superuser: boolean; role: string }>(
    "select current_setting('server_version_num')::int as num, current_setting('server_version') as version, coalesce((select rolsuper from pg_roles where rolname = current_user), false) as superuser, current_user::text as role",
  );
  return { major: Math.floor(Number(row.num) / 10000), version: row.version, superuser: row.superuser, role: row.role };
}
