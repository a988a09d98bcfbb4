import { Node, defElem, list, strings } from '../ast';
import type { DepsCollector } from './collector';
import { addressRef } from './address';
import { collectRefs } from './refs';

/** GRANT / REVOKE: the objects and every grantee role. */
export function grant(b: Node, d: DepsCollector): void {
  for (const obj of list(b.objects)) {
    if (b.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') d.need(d.names.schema(strings([obj])[0]));
    else d.need(addressRef(b.objtype, obj, d.names));
  }
  collectRefs({ g: b.grantees, r: b.grantor }, d);
}

/** GRANT role TO role. */
export function grantRole(b: Node, d: DepsCollector): void {
  for (const p of list(b.granted_roles)) {
    const name = p?.AccessPriv?.priv_name;
    if (typeof name === 'string') d.need(d.names.roleName(name));
  }
  collectRefs({ g: b.grantee_roles, r: b.grantor }, d);
}

export function alterDefaultPrivileges(b: Node, d: DepsCollector): void {
  for (const s of strings(defElem(b.options, 'schemas')?.arg)) d.need(d.names.schema(s));
  collectRefs({ r: defElem(b.options, 'roles')?.arg, a: b.action?.grantees }, d);
}

/** COMMENT ON x: x (for columns, constraints, policies, triggers: their table) must exist. */
export function comment(b: Node, d: DepsCollector): void {
  d.need(addressRef(b.objtype, b.object, d.names));
}

/** ALTER … OWNER TO role. */
export function alterOwner(b: Node, d: DepsCollector): void {
  const target = b.relation ? d.names.relation(b.relation) : addressRef(b.objectType, b.object, d.names);
  d.need(target);
  d.need(d.names.role(b.newowner));
}
