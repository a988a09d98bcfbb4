import { Node, list, unwrap } from './ast';
import { Names } from './names';
import { DepsCollector } from './deps/collector';
import { collectRefs } from './deps/refs';
import { embeddedStatements } from './deps/do-block';
import * as tables from './deps/tables';
import * as objects from './deps/objects';
import * as acl from './deps/acl';
import * as drops from './deps/drop';
import { lineAt } from './lines';
import { memoByNode } from './memo';
import type { AnalysisOptions, Gap, ObjectRef, Opaque, ParsedStatement, StatementDeps } from './types';

export type { ObjectRef, StatementDeps, Gap } from './types';

type Handler = (body: Node, d: DepsCollector) => void;

const HANDLERS: Record<string, Handler> = {
  CreateStmt: tables.createTable,
  AlterTableStmt: tables.alterTable,
  IndexStmt: tables.createIndex,
  ViewStmt: tables.createView,
  CreateTableAsStmt: tables.createTableAs,
  SelectStmt: tables.selectStmt,
  CreateSeqStmt: tables.createSequence,
  CreateSchemaStmt: objects.createSchema,
  CreateEnumStmt: objects.createEnum,
  CompositeTypeStmt: objects.createComposite,
  CreateDomainStmt: objects.createDomain,
  CreateRangeStmt: objects.createRange,
  DefineStmt: objects.defineStmt,
  AlterEnumStmt: objects.alterEnum,
  CreateFunctionStmt: objects.createFunction,
  AlterFunctionStmt: objects.alterFunction,
  CreateTrigStmt: objects.createTrigger,
  CreateEventTrigStmt: objects.createEventTrigger,
  CreatePolicyStmt: objects.policy,
  AlterPolicyStmt: objects.policy,
  CreateRoleStmt: objects.createRole,
  DropRoleStmt: objects.dropRole,
  DoStmt: objects.doBlock,
  CallStmt: objects.call,
  CreateExtensionStmt: objects.createExtension,
  VariableSetStmt: objects.variableSet,
  GrantStmt: acl.grant,
  GrantRoleStmt: acl.grantRole,
  AlterDefaultPrivilegesStmt: acl.alterDefaultPrivileges,
  CommentStmt: acl.comment,
  AlterOwnerStmt: acl.alterOwner,
  DropStmt: drops.drop,
  RenameStmt: drops.rename,
  AlterObjectSchemaStmt: drops.setSchema,
  // Statements that create nothing: everything they reference is a need.
  TransactionStmt: () => undefined,
  VariableShowStmt: () => undefined,
  DiscardStmt: () => undefined,
};

function collect(node: Node, d: DepsCollector): void {
  const u = unwrap(node);
  if (!u) return;
  const [kind, body] = u;
  const handler = HANDLERS[kind];
  // Unknown kinds (INSERT/UPDATE/DELETE/MERGE, CALL, LOCK, TRUNCATE, VACUUM, …) reference, never create.
  if (handler) handler(body, d);
  else collectRefs(body, d);
}

/**
 * What one statement needs from the database, and what it creates and drops.
 * Purely syntactic: names are normalised (schema-qualified with the search
 * path's first schema) and built-ins are left out as always present.
 */
export const statementDeps = memoByNode(depsOf);

function depsOf(stmt: ParsedStatement, opts: AnalysisOptions): StatementDeps {
  const names = new Names(opts);
  const d = new DepsCollector(names);
  collect(stmt.node, d);
  const schemaStmt = stmt.node?.CreateSchemaStmt;
  if (schemaStmt?.schemaname) {
    // CREATE SCHEMA s CREATE TABLE t …: elements live in s.
    const inner = new DepsCollector(new Names({ ...opts, searchPath: [schemaStmt.schemaname] }));
    for (const el of list(schemaStmt.schemaElts)) collect(el, inner);
    const r = inner.result();
    r.needs.filter((n) => !(n.kind === 'schema' && n.name === schemaStmt.schemaname)).forEach((n) => d.need(n));
    r.creates.forEach((c) => d.create(c));
  }
  const doStmt = stmt.node?.DoStmt;
  if (doStmt) {
    // What the block's own SQL creates or drops is there (or gone) afterwards, whichever branch
    // ran; what that SQL references is only needed on a branch, so it is not a need.
    const inner = new DepsCollector(names);
    for (const el of embeddedStatements(doStmt).statements) collect(el, inner);
    const r = inner.result();
    r.drops.forEach((x) => d.drop(x));
    r.creates.forEach((c) => d.create(c));
  }
  return d.result();
}

export interface GapUnit {
  unit: string;
  file: string;
  statements: ParsedStatement[];
}

const keyOf = (r: ObjectRef): string => `${r.kind}:${r.name}`;

/**
 * Objects that units need but neither the database (`exists`) nor an earlier statement
 * provides, in unit order, each reported at the line of its first reference. Each (unit,
 * kind, name) is reported once. A DROP makes an object unavailable again. After a statement
 * the analysis cannot see into (dynamic SQL, an unknown extension, CALL) a missing object of
 * a kind it may create is `uncertain`, naming that statement: a warning, not a gap.
 */
export function findGaps(
  units: GapUnit[],
  exists: (ref: ObjectRef) => boolean,
  opts: AnalysisOptions = {},
): Gap[] {
  const created = new Set<string>();
  const dropped = new Set<string>();
  const existsCache = new Map<string, boolean>();
  const inDatabase = (ref: ObjectRef): boolean => {
    const k = keyOf(ref);
    let v = existsCache.get(k);
    if (v === undefined) existsCache.set(k, (v = exists({ kind: ref.kind, name: ref.name })));
    return v;
  };
  const available = (ref: ObjectRef): boolean => {
    const k = keyOf(ref);
    if (created.has(k)) return true;
    if (dropped.has(k)) return false;
    return inDatabase(ref);
  };

  const gaps: Gap[] = [];
  const opaque: Array<Opaque & { unit: string; file: string; line: number }> = [];
  for (const unit of units) {
    const reported = new Set<string>();
    let searchPath = opts.searchPath ?? ['public'];
    for (const stmt of unit.statements) {
      const deps = statementDeps(stmt, { ...opts, searchPath });
      for (const need of deps.needs) {
        const k = keyOf(need);
        if (reported.has(k) || candidates(need, searchPath).some(available)) continue;
        reported.add(k);
        const gap: Gap = { unit: unit.unit, file: unit.file, line: lineAt(stmt, need.location), kind: need.kind, name: need.name };
        const maybe = [...opaque].reverse().find((o) => o.kinds.includes(need.kind));
        if (maybe) gap.uncertain = { unit: maybe.unit, file: maybe.file, line: maybe.line, reason: maybe.reason };
        gaps.push(gap);
      }
      for (const r of deps.drops) {
        created.delete(keyOf(r));
        dropped.add(keyOf(r));
      }
      for (const r of deps.creates) {
        created.add(keyOf(r));
        dropped.delete(keyOf(r));
      }
      if (deps.opaque) opaque.push({ ...deps.opaque, unit: unit.unit, file: unit.file, line: stmt.line });
      searchPath = searchPathAfter(stmt, searchPath);
    }
  }
  return gaps;
}

/**
 * Where an unqualified name may resolve: pg_catalog (searched first unless the path names it),
 * the unit's search path (and pg_temp for relations), and, as the bare name, wherever the
 * database's own search path finds it (an extension installed in another schema).
 */
export function candidates(ref: ObjectRef, searchPath: string[]): ObjectRef[] {
  if (!ref.implicitSchema) return [ref];
  const bare = ref.name.slice(ref.name.lastIndexOf('.') + 1);
  const { kind } = ref;
  const out: ObjectRef[] = [ref, { kind, name: `pg_catalog.${bare}` }];
  if (kind === 'relation') out.push({ kind, name: `pg_temp.${bare}` });
  for (const s of searchPath) out.push({ kind, name: `${s}.${bare}` });
  out.push({ kind, name: bare });
  return out;
}

/** `SET [LOCAL] search_path` changes how later statements of the unit resolve names. */
export function searchPathAfter(stmt: ParsedStatement, current: string[]): string[] {
  const set = stmt.node?.VariableSetStmt;
  if (!set || set.name !== 'search_path') return current;
  if (set.kind !== 'VAR_SET_VALUE') return ['public'];
  const path = list(set.args)
    .map((a: Node) => a?.A_Const?.sval?.sval)
    .filter((s: unknown): s is string => typeof s === 'string' && s !== '$user' && s !== 'pg_catalog');
  return path.length ? path : current;
}
