import { roleSwitches, roleSwitchFindings } from '../analysis/roles';
import type { Finding, ParsedStatement } from '../analysis/types';
import { roleAccess } from '../db/role-access';
import type { Session } from '../db/session';
import type { Unit, UnitFile } from '../engine/units';

/**
 * The roles the units' files SET ROLE to that the connected user may not take, as findings
 * with the GRANT that fixes each (see analysis/roles.ts); none without a SET ROLE.
 */
export async function roleSwitchCheck(s: Session, units: readonly Unit[], pending: readonly Unit[], parsed?: ReadonlyMap<UnitFile, ParsedStatement[]>): Promise<Finding[]> {
  const switches = await roleSwitches(units, pending, parsed);
  if (switches.length === 0) return [];
  return roleSwitchFindings(switches, await roleAccess(s, switches.map((w) => w.role)));
}
