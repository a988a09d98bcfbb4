import { roleSwitches, roleSwitchFindings } from '../analysis/roles';
import type { Finding } from '../analysis/types';
import { roleAccess } from '../db/role-access';
import type { Session } from '../db/session';
import type { Unit } from '../engine/units';

/**
 * The roles the units' files SET ROLE to that the connected user may not take, as findings
 * with the GRANT that fixes each (see analysis/roles.ts); none without a SET ROLE.
 */
export async function roleSwitchCheck(s: Session, units: readonly Unit[], pending: readonly Unit[]): Promise<Finding[]> {
  const switches = await roleSwitches(units, pending);
  if (switches.length === 0) return [];
  return roleSwitchFindings(switches, await roleAccess(s, switches.map((w) => w.role)));
}
