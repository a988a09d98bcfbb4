import { Node, defElem, list, str, strings } from '../ast';
import { EXTENSIONS } from '../extensions';
import { BUILTIN_LANGUAGES } from '../names';
import type { ObjectKind } from '../types';
import type { DepsCollector } from './collector';
import { embeddedStatements } from './do-block';
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

/** Kinds of object code the analysis cannot see into may create. */
const ANY: ObjectKind[] = ['relation', 'schema', 'function', 'role', 'type', 'language'];

/**
 * CREATE EXTENSION: a known extension provides its types, functions and tables in its schema
 * (WITH SCHEMA, else the first of the search path), with CASCADE also those of the extensions
 * it requires; an unknown one may provide anything but roles.
 */
export function createExtension(b: Node, d: DepsCollector): void {
  const schemaOpt = str(defElem(b.options, 'schema')?.arg);
  d.need(d.names.schema(schemaOpt));
  const schema = schemaOpt ?? d.names.defaultSchema;
  const cascade = !!defElem(b.options, 'cascade');
  const install = (name: string, seen: Set<string>): boolean => {
    const ext = EXTENSIONS.get(name);
    if (!ext || seen.has(name)) return !!ext;
    seen.add(name);
    for (const t of ext.types) d.create({ kind: 'type', name: `${schema}.${t}` });
    for (const f of ext.functions) d.create({ kind: 'function', name: `${schema}.${f}` });
    for (const r of ext.relations) d.create({ kind: 'relation', name: `${schema}.${r}` });
    return cascade ? ext.requires.every((req) => install(req, seen)) : true;
  };
  if (!install(b.extname, new Set())) {
    d.opaque = { reason: `CREATE EXTENSION ${b.extname}: an extension the analysis does not know`, kinds: ['relation', 'schema', 'function', 'type'] };
  }
}

/** CALL runs a procedure whose body the analysis does not follow. */
export function call(b: Node, d: DepsCollector): void {
  collectRefs(b, d);
  const name = strings(b.funccall?.funcname).join('.');
  d.opaque = { reason: `CALL ${name}(): a procedure may create objects the analysis cannot see`, kinds: ANY };
}

/**
 * DO: the SQL written in its body counts (a create-if-absent `IF NOT EXISTS … THEN CREATE TYPE …`
 * leaves the object there either way); what it cannot read (EXECUTE, a statement it cannot
 * parse) makes it opaque.
 */
export function doBlock(b: Node, d: DepsCollector): void {
  d.opaque = embeddedStatements(b).opaque;
}

/** SET ROLE x / SET SESSION AUTHORIZATION x need the role; other settings need nothing. */
export function variableSet(b: Node, d: DepsCollector): void {
  if (b.kind !== 'VAR_SET_VALUE' || (b.name !== 'role' && b.name !== 'session_authorization')) return;
  const value = list(b.args)[0]?.A_Const?.sval?.sval;
  if (typeof value === 'string' && value.toLowerCase() !== 'none') d.need(d.names.roleName(value));
}
