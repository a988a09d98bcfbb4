import { Node, defElem, list, str, strings } from '../ast';
import { BUILTIN_LANGUAGES } from '../names';
import type { DepsCollector } from './collector';
import { collectRefs } from './refs';

export function createSchema(b: Node, d: DepsCollector): void {
  if (typeof b.schemaname === 'string') d.create({ kind: 'schema', name: b.schemaname });
  d.need(d.names.role(b.authrole));
  // Elements (CREATE SCHEMA s CREATE TABLE …) are handled by the caller with s on the search path.
}

/** CREATE TYPE … AS ENUM. */
export function createEnum(b: Node, d: DepsCollector): void {
  d.create(d.names.qualify(strings(b.typeName), 'type'));
}

/** CREATE TYPE … AS (composite): a type whose attributes need their types. */
export function createComposite(b: Node, d: DepsCollector): void {
  const rv = b.typevar;
  d.create(d.names.qualify(rv?.schemaname ? [rv.schemaname, rv.relname] : [rv?.relname], 'type'));
  collectRefs({ c: b.coldeflist }, d);
}

/** CREATE DOMAIN: needs its base type and whatever its CHECKs call. */
export function createDomain(b: Node, d: DepsCollector): void {
  d.create(d.names.qualify(strings(b.domainname), 'type'));
  collectRefs({ t: { TypeName: b.typeName }, c: b.constraints }, d);
}

export function createRange(b: Node, d: DepsCollector): void {
  d.create(d.names.qualify(strings(b.typeName), 'type'));
  collectRefs({ p: b.params }, d);
}

/** CREATE TYPE name (shell or base type) and CREATE AGGREGATE; operators etc. are not tracked. */
export function defineStmt(b: Node, d: DepsCollector): void {
  const parts = strings(b.defnames);
  if (b.kind === 'OBJECT_TYPE') d.create(d.names.qualify(parts, 'type'));
  if (b.kind === 'OBJECT_AGGREGATE') d.create(d.names.qualify(parts, 'function'));
  collectRefs({ a: b.args, d: b.definition }, d);
}

/** ALTER TYPE … ADD VALUE / RENAME VALUE. */
export function alterEnum(b: Node, d: DepsCollector): void {
  d.need(d.names.typeFromList(strings(b.typeName)));
}

/**
 * CREATE FUNCTION / PROCEDURE: provides `schema.name`; needs non-built-in
 * argument and return types and a non-built-in language. The body is a
 * string the server does not resolve at creation, so it is not analysed;
 * SQL-standard bodies (BEGIN ATOMIC / RETURN) are resolved, so they are.
 */
export function createFunction(b: Node, d: DepsCollector): void {
  d.create(d.names.qualify(strings(b.funcname), 'function'));
  collectRefs({ p: b.parameters, r: b.returnType && { TypeName: b.returnType }, s: b.sql_body }, d);
  const lang = str(defElem(b.options, 'language')?.arg);
  if (lang && !BUILTIN_LANGUAGES.has(lang.toLowerCase())) d.need({ kind: 'language', name: lang.toLowerCase() });
}

/** ALTER FUNCTION … (volatility, SET, OWNER via AlterOwnerStmt). */
export function alterFunction(b: Node, d: DepsCollector): void {
  d.need(d.names.func(strings(b.func?.objname)));
}

export function createTrigger(b: Node, d: DepsCollector): void {
  d.need(d.names.relation(b.relation));
  d.need(d.names.func(strings(b.funcname)));
  if (b.constrrel) d.need(d.names.relation(b.constrrel));
  collectRefs({ w: b.whenClause }, d);
}

export function createEventTrigger(b: Node, d: DepsCollector): void {
  d.need(d.names.func(strings(b.funcname)));
}

/** CREATE / ALTER POLICY: the table, the TO roles, and what USING / WITH CHECK reference. */
export function policy(b: Node, d: DepsCollector): void {
  d.need(d.names.relation(b.table));
  collectRefs({ r: b.roles, q: b.qual, c: b.with_check }, d);
}

export function createRole(b: Node, d: DepsCollector): void {
  if (typeof b.role === 'string') d.create({ kind: 'role', name: b.role });
  collectRefs({ o: b.options }, d); // IN ROLE / ROLE / ADMIN members
}

export function dropRole(b: Node, d: DepsCollector): void {
  for (const spec of list(b.roles)) {
    const role = d.names.role(spec.RoleSpec);
    if (!b.missing_ok) d.need(role);
    d.drop(role);
  }
}

/** DO runs code we cannot see; the caller decides how to treat what follows. */
export function doBlock(_b: Node, d: DepsCollector): void {
  d.opaque = true;
}

/** CREATE EXTENSION installs objects we cannot enumerate statically. */
export function createExtension(b: Node, d: DepsCollector): void {
  d.opaque = true;
  d.need(d.names.schema(str(defElem(b.options, 'schema')?.arg)));
}

/** SET ROLE x / SET SESSION AUTHORIZATION x need the role; other settings need nothing. */
export function variableSet(b: Node, d: DepsCollector): void {
  if (b.kind !== 'VAR_SET_VALUE' || (b.name !== 'role' && b.name !== 'session_authorization')) return;
  const value = list(b.args)[0]?.A_Const?.sval?.sval;
  if (typeof value === 'string' && value.toLowerCase() !== 'none') d.need(d.names.roleName(value));
}
