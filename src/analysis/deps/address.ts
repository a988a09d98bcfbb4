import { Node, nodeOf, str, strings, unwrap } from '../ast';
import { BUILTIN_LANGUAGES, type Names } from '../names';
import type { ObjectRef } from '../types';

/** Object types whose address is a relation name. */
export const RELATION_OBJECTS = new Set([
  'OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE',
]);
/** Relations that also own a row type of the same name. */
export const ROWTYPE_OBJECTS = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);
/** Objects addressed as `table … name` (ON t): the address names their table. */
export const SUBOBJECTS = new Set([
  'OBJECT_COLUMN', 'OBJECT_POLICY', 'OBJECT_TRIGGER', 'OBJECT_RULE', 'OBJECT_TABCONSTRAINT',
]);
const FUNCTION_OBJECTS = new Set(['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE']);
const TYPE_OBJECTS = new Set(['OBJECT_TYPE', 'OBJECT_DOMAIN']);

/** Name parts of an address node: a String list, a String, a TypeName, a RangeVar or an ObjectWithArgs. */
export function addressParts(object: Node): string[] {
  const u = unwrap(object);
  if (!u) return [];
  const [kind, body] = u;
  switch (kind) {
    case 'List':
      return strings(object);
    case 'String':
      return [str(object) as string];
    case 'TypeName':
      return strings(body.names);
    case 'RangeVar':
      return body.schemaname ? [body.schemaname, body.relname] : [body.relname];
    case 'ObjectWithArgs':
      return strings(body.objname);
    default:
      return [];
  }
}

/**
 * The ObjectRef an `objtype` + address denotes (for sub-objects: their
 * table). `exact` keeps built-in functions/types (for renames and drops).
 */
export function addressRef(objtype: string, object: Node, names: Names, exact = false): ObjectRef | undefined {
  const parts = addressParts(object);
  if (parts.length === 0) return undefined;
  if (RELATION_OBJECTS.has(objtype)) {
    const rv = nodeOf(object, 'RangeVar');
    return rv ? names.relation(rv) : names.relationFromList(parts);
  }
  if (SUBOBJECTS.has(objtype)) return names.relationFromList(parts.slice(0, -1));
  if (FUNCTION_OBJECTS.has(objtype)) return exact ? names.qualify(parts, 'function') : names.func(parts);
  if (TYPE_OBJECTS.has(objtype)) return exact ? names.qualify(parts, 'type') : names.typeFromList(parts);
  if (objtype === 'OBJECT_SCHEMA') return names.schema(parts[0]) ?? (exact ? { kind: 'schema', name: parts[0] } : undefined);
  if (objtype === 'OBJECT_ROLE') return names.roleName(parts[0]);
  if (objtype === 'OBJECT_LANGUAGE') {
    const lang = parts[0].toLowerCase();
    return BUILTIN_LANGUAGES.has(lang) ? undefined : { kind: 'language', name: lang };
  }
  return undefined;
}

/** The same object under a new bare name or in a new schema (RENAME / SET SCHEMA). */
export function moved(ref: ObjectRef, change: { name?: string; schema?: string }): ObjectRef {
  if (ref.kind === 'schema' || ref.kind === 'role' || ref.kind === 'language') {
    return { kind: ref.kind, name: change.name ?? ref.name };
  }
  const dot = ref.name.lastIndexOf('.');
  return { kind: ref.kind, name: `${change.schema ?? ref.name.slice(0, dot)}.${change.name ?? ref.name.slice(dot + 1)}` };
}
