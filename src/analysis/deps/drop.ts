import { Node, list } from '../ast';
import type { ObjectRef } from '../types';
import type { DepsCollector } from './collector';
import { ROWTYPE_OBJECTS, SUBOBJECTS, RELATION_OBJECTS, addressRef, moved } from './address';

function rowTypeOf(objtype: string, ref: ObjectRef | undefined): ObjectRef | undefined {
  return ref && ROWTYPE_OBJECTS.has(objtype) ? { kind: 'type', name: ref.name } : undefined;
}

/**
 * DROP x: x is gone afterwards; without IF EXISTS it must exist first.
 * DROP POLICY/TRIGGER/RULE … ON t needs t.
 */
export function drop(b: Node, d: DepsCollector): void {
  for (const obj of list(b.objects)) {
    const ref = addressRef(b.removeType, obj, d.names, true);
    if (!b.missing_ok) d.need(SUBOBJECTS.has(b.removeType) ? ref : addressRef(b.removeType, obj, d.names));
    if (SUBOBJECTS.has(b.removeType)) continue;
    d.drop(ref);
    d.drop(rowTypeOf(b.removeType, ref));
  }
}

/** The object a RENAME / SET SCHEMA / OWNER statement addresses. */
function target(b: Node, objtype: string, d: DepsCollector): ObjectRef | undefined {
  if (b.relation && (RELATION_OBJECTS.has(objtype) || SUBOBJECTS.has(objtype))) return d.names.relation(b.relation);
  if (objtype === 'OBJECT_SCHEMA' || objtype === 'OBJECT_ROLE') {
    return addressRef(objtype, { String: { sval: b.subname } }, d.names, true);
  }
  return addressRef(objtype, b.object, d.names, true);
}

/** ALTER … RENAME: renaming an object drops the old name and creates the new one. */
export function rename(b: Node, d: DepsCollector): void {
  const ref = target(b, b.renameType, d);
  if (!b.missing_ok) d.need(ref);
  if (ref && b.renameType === 'OBJECT_TABCONSTRAINT' && typeof b.subname === 'string' && typeof b.newname === 'string') {
    // A PRIMARY KEY / UNIQUE / EXCLUDE constraint's index is renamed with it (the parser cannot tell which kind it is).
    d.drop(moved(ref, { name: b.subname }));
    d.create(moved(ref, { name: b.newname }));
    return;
  }
  if (!ref || SUBOBJECTS.has(b.renameType) || typeof b.newname !== 'string') return;
  const renamed = moved(ref, { name: b.newname });
  d.drop(ref);
  d.drop(rowTypeOf(b.renameType, ref));
  d.create(renamed);
  d.create(rowTypeOf(b.renameType, renamed));
}

/** ALTER … SET SCHEMA s: needs s; the object moves. */
export function setSchema(b: Node, d: DepsCollector): void {
  const ref = target(b, b.objectType, d);
  if (!b.missing_ok) d.need(ref);
  if (!ref || typeof b.newschema !== 'string') return;
  const movedRef = moved(ref, { schema: b.newschema });
  d.drop(ref);
  d.drop(rowTypeOf(b.objectType, ref));
  d.create(movedRef);
  d.create(rowTypeOf(b.objectType, movedRef));
}
