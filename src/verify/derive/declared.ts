import { nodeOf, strings, type Node } from '../../analysis/ast';
import { parseSql } from '../../analysis/parse';
import type { ParsedStatement } from '../../analysis/types';
import type { Unit, UnitFile } from '../../engine/units';
import { TASK } from '../expectations';
import { at } from '../where';

/**
 * What the units' own SQL says the database holds, statement by statement in unit order:
 * a later unit that alters an object changes what is expected of it; a drop removes it.
 * Only plain DDL is read; what a DO block or dynamic SQL makes is not derived (expect.json
 * or a verify.sql can still declare it). Engine-generic: it knows statement forms, not objects.
 */
export type DeclaredKind = 'column' | 'table' | 'constraint' | 'index' | 'policy' | 'rls' | 'trigger' | 'function' | 'enum' | 'grant';

export interface Origin {
  unit: string;
  /** file:line of the statement. */
  at: string;
  /** The statement's (or element's) own words, for the report. */
  text: string;
}

export interface Declared {
  kind: DeclaredKind;
  task: number;
  /** Identity: "public.t", "public.t.col", "public.idx", "public.f(int4)". */
  key: string;
  table?: string;
  /** Raw parse trees (normalised when compared) and plain facts, by kind. */
  tree?: Node;
  columns?: string[];
  type?: Node;
  notNull?: boolean;
  default?: Node | null;
  rls?: boolean;
  labels?: string[];
  role?: string;
  privileges?: string[];
  enabled?: boolean;
  /** Unnamed constraints: the name PostgreSQL gives it is only a guess, so it is matched by definition. */
  named?: boolean;
  origins: Origin[];
}

const TASK_OF: Record<DeclaredKind, number> = { table: TASK.schema, column: TASK.schema, constraint: TASK.schema, rls: TASK.rls, policy: TASK.rls, index: TASK.indexes, trigger: TASK.triggers, function: TASK.triggers, enum: TASK.enums, grant: TASK.readiness };

export function qualified(schema: string | undefined, name: string): string {
  return `${schema ?? 'public'}.${name}`;
}

function relName(rv: Node): string {
  return qualified(rv?.schemaname, rv?.relname);
}

function dotted(names: Node): string {
  const parts = strings(names);
  return parts.length > 1 ? parts.join('.') : qualified(undefined, parts[0]);
}

/** Types of a function's input arguments: its identity, as the server keys it. */
export function functionKey(f: Node, typeKey: (t: Node) => string): string {
  const inputs = (f.parameters ?? []).map((p: Node) => p.FunctionParameter).filter((p: Node) => !['FUNC_PARAM_OUT', 'FUNC_PARAM_TABLE'].includes(p.mode));
  return `${dotted(f.funcname)}(${inputs.map((p: Node) => typeKey(p.argType)).join(',')})`;
}

class Source {
  private readonly bytes: Buffer;
  constructor(readonly unit: Unit, readonly file: UnitFile) {
    this.bytes = Buffer.from(file.text);
  }
  origin(st: ParsedStatement, from?: number, to?: number): Origin {
    const start = st.byteOffset ?? 0;
    const end = start + Buffer.byteLength(st.text);
    const text = from === undefined ? st.text : this.bytes.subarray(from, Math.min(to ?? end, end)).toString();
    const words = text.replace(/--[^\n]*/g, ' ').replace(/\s+/g, ' ').trim().replace(/,$/, '');
    const line = from === undefined ? st.line : st.line + this.bytes.subarray(start, from).toString().split('\n').length - 1;
    return { unit: this.unit.name, at: at(this.file, line), text: words };
  }
}

export interface Derivation {
  objects: Map<string, Declared>;
}

/** The objects the given units (in order) leave behind, each with the units that shaped it. */
export async function deriveDeclared(units: readonly Unit[], typeKey: (t: Node) => string): Promise<Derivation> {
  const objects = new Map<string, Declared>();
  const put = (d: Omit<Declared, 'task'>) => objects.set(`${d.kind}:${d.key}`, { ...d, task: TASK_OF[d.kind] });
  const get = (kind: DeclaredKind, key: string) => objects.get(`${kind}:${key}`);
  const drop = (kind: DeclaredKind, key: string) => objects.delete(`${kind}:${key}`);

  for (const unit of units) {
    const parsed = await parseSql(unit.up.path, unit.up.text);
    if (!parsed.ok) continue;
    const src = new Source(unit, unit.up);
    for (const st of parsed.statements) {
      const [kind, body] = [st.kind, st.node[st.kind]];
      const whole = src.origin(st);
      if (kind === 'CreateStmt' && !body.partbound) {
        const table = relName(body.relation);
        const elts: Node[] = body.tableElts ?? [];
        const starts = elts.map((e) => (e.ColumnDef ?? e.Constraint ?? {}).location ?? -1);
        const elementOrigin = (i: number) => src.origin(st, starts[i], starts.slice(i + 1).find((s) => s > starts[i]));
        const columns: string[] = [];
        elts.forEach((e, i) => {
          const col = e.ColumnDef;
          if (col) {
            columns.push(col.colname);
            const cons: Node[] = (col.constraints ?? []).map((c: Node) => c.Constraint);
            const def = cons.find((c) => c.contype === 'CONSTR_DEFAULT');
            put({ kind: 'column', key: `${table}.${col.colname}`, table, type: col.typeName, notNull: cons.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY'), default: def?.raw_expr ?? null, origins: [elementOrigin(i)] });
            for (const c of cons) addConstraint(table, c, elementOrigin(i), col.colname);
          } else if (e.Constraint) addConstraint(table, e.Constraint, elementOrigin(i));
        });
        put({ kind: 'table', key: table, table, columns, origins: [whole] });
      } else if (kind === 'AlterTableStmt' && (body.objtype ?? 'OBJECT_TABLE') === 'OBJECT_TABLE') {
        const table = relName(body.relation);
        for (const cmdNode of body.cmds ?? []) alterTable(table, cmdNode.AlterTableCmd, whole);
      } else if (kind === 'IndexStmt' && body.idxname) {
        const table = relName(body.relation);
        put({ kind: 'index', key: qualified(body.relation?.schemaname, body.idxname), table, tree: body, origins: [whole] });
      } else if (kind === 'CreatePolicyStmt') {
        const table = relName(body.table);
        put({ kind: 'policy', key: `${table}.${body.policy_name}`, table, tree: body, origins: [whole] });
      } else if (kind === 'AlterPolicyStmt') {
        const p = get('policy', `${relName(body.table)}.${body.policy_name}`);
        if (p) {
          p.tree = { ...p.tree, ...(body.roles ? { roles: body.roles } : {}), ...(body.qual ? { qual: body.qual } : {}), ...(body.with_check ? { with_check: body.with_check } : {}) };
          p.origins.push(whole);
        }
      } else if (kind === 'CreateTrigStmt') {
        const table = relName(body.relation);
        put({ kind: 'trigger', key: `${table}.${body.trigname}`, table, tree: body, enabled: true, origins: [whole] });
      } else if (kind === 'CreateFunctionStmt') {
        put({ kind: 'function', key: functionKey(body, typeKey), tree: body, origins: [whole] });
      } else if (kind === 'CreateEnumStmt') {
        put({ kind: 'enum', key: dotted(body.typeName), labels: strings(body.vals), origins: [whole] });
      } else if (kind === 'AlterEnumStmt') {
        const e = get('enum', dotted(body.typeName));
        if (e?.labels) {
          if (body.oldVal) e.labels = e.labels.map((l) => (l === body.oldVal ? body.newVal : l));
          else if (!e.labels.includes(body.newVal)) {
            const at = body.newValNeighbor ? e.labels.indexOf(body.newValNeighbor) + (body.newValIsAfter ? 1 : 0) : e.labels.length;
            e.labels.splice(at < 0 ? e.labels.length : at, 0, body.newVal);
          }
          e.origins.push(whole);
        }
      } else if (kind === 'GrantStmt' && body.objtype === 'OBJECT_TABLE' && body.targtype === 'ACL_TARGET_OBJECT') {
        const privileges = body.privileges ? body.privileges.map((p: Node) => String(p.AccessPriv.priv_name).toUpperCase()) : ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
        for (const rv of body.objects ?? []) {
          const table = relName(rv.RangeVar);
          for (const g of body.grantees ?? []) {
            const role = g.RoleSpec?.roletype === 'ROLESPEC_PUBLIC' ? 'public' : g.RoleSpec?.rolename;
            const key = `${table}|${role}`;
            const have = get('grant', key);
            const now = new Set(have?.privileges ?? []);
            for (const p of privileges) if (body.is_grant) now.add(p); else now.delete(p);
            if (now.size === 0) drop('grant', key);
            else put({ kind: 'grant', key, table, role, privileges: [...now], origins: [...(have?.origins ?? []), whole] });
          }
        }
      } else if (kind === 'DropStmt') {
        dropObjects(body);
      } else if (kind === 'RenameStmt' || kind === 'AlterObjectSchemaStmt') {
        // Not followed: what it renames is then reported missing under its old name, at the renaming unit's line.
      }
    }
  }
  return { objects };

  function addConstraint(table: string, c: Node, origin: Origin, column?: string): void {
    const kinds: Record<string, string> = { CONSTR_PRIMARY: 'p', CONSTR_UNIQUE: 'u', CONSTR_CHECK: 'c', CONSTR_FOREIGN: 'f', CONSTR_EXCLUSION: 'x' };
    const contype = kinds[c.contype];
    if (!contype) return;
    const tree = { ...c };
    if (column && (contype === 'p' || contype === 'u') && !tree.keys) tree.keys = [{ String: { sval: column } }];
    if (column && contype === 'f' && !tree.fk_attrs) tree.fk_attrs = [{ String: { sval: column } }];
    const keyCols = strings(tree.keys ?? tree.fk_attrs ?? []);
    const name = c.conname ?? defaultConstraintName(table, contype, keyCols, column);
    put({ kind: 'constraint', key: `${table}.${name}`, table, tree, named: !!c.conname, origins: [origin] });
  }

  function alterTable(table: string, cmd: Node, origin: Origin): void {
    const col = (name: string) => get('column', `${table}.${name}`);
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const def = cmd.def.ColumnDef;
        const cons: Node[] = (def.constraints ?? []).map((c: Node) => c.Constraint);
        put({ kind: 'column', key: `${table}.${def.colname}`, table, type: def.typeName, notNull: cons.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY'), default: cons.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr ?? null, origins: [origin] });
        const t = get('table', table);
        if (t?.columns && !t.columns.includes(def.colname)) t.columns.push(def.colname);
        for (const c of cons) addConstraint(table, c, origin, def.colname);
        break;
      }
      case 'AT_DropColumn': {
        drop('column', `${table}.${cmd.name}`);
        const t = get('table', table);
        if (t?.columns) t.columns = t.columns.filter((c) => c !== cmd.name);
        break;
      }
      case 'AT_ColumnDefault': {
        const c = col(cmd.name);
        if (c) Object.assign(c, { default: cmd.def ?? null, origins: [...c.origins, origin] });
        break;
      }
      case 'AT_SetNotNull':
      case 'AT_DropNotNull': {
        const c = col(cmd.name);
        if (c) Object.assign(c, { notNull: cmd.subtype === 'AT_SetNotNull', origins: [...c.origins, origin] });
        break;
      }
      case 'AT_AlterColumnType': {
        const c = col(cmd.name);
        if (c) Object.assign(c, { type: cmd.def.ColumnDef.typeName, origins: [...c.origins, origin] });
        break;
      }
      case 'AT_AddConstraint':
        addConstraint(table, cmd.def.Constraint, origin);
        break;
      case 'AT_DropConstraint':
        drop('constraint', `${table}.${cmd.name}`);
        break;
      case 'AT_EnableRowSecurity':
      case 'AT_DisableRowSecurity':
        put({ kind: 'rls', key: table, table, rls: cmd.subtype === 'AT_EnableRowSecurity', origins: [origin] });
        break;
      case 'AT_DisableTrig':
      case 'AT_EnableTrig':
      case 'AT_EnableAlwaysTrig':
      case 'AT_EnableReplicaTrig': {
        const t = get('trigger', `${table}.${cmd.name}`);
        if (t) Object.assign(t, { enabled: cmd.subtype !== 'AT_DisableTrig', origins: [...t.origins, origin] });
        break;
      }
      default:
        break;
    }
  }

  function dropObjects(body: Node): void {
    const names = (body.objects ?? []).map((o: Node) => (nodeOf(o, 'List') ? strings(o) : o.TypeName ? strings(o.TypeName.names) : o.ObjectWithArgs ? strings(o.ObjectWithArgs.objname) : strings([o])));
    for (const parts of names as string[][]) {
      const name = parts.length > 1 ? parts.join('.') : qualified(undefined, parts[0]);
      switch (body.removeType) {
        case 'OBJECT_TABLE':
          for (const k of [...objects.keys()]) if (objects.get(k)!.table === name) objects.delete(k);
          break;
        case 'OBJECT_INDEX':
          drop('index', name);
          break;
        case 'OBJECT_TYPE':
          drop('enum', name);
          break;
        case 'OBJECT_FUNCTION':
          for (const k of [...objects.keys()]) if (k.startsWith(`function:${name}(`)) objects.delete(k);
          break;
        case 'OBJECT_TRIGGER':
        case 'OBJECT_POLICY': {
          // DROP TRIGGER t ON s.tbl: the list is [s, tbl, t].
          const table = parts.length > 2 ? `${parts[0]}.${parts[1]}` : qualified(undefined, parts[0]);
          drop(body.removeType === 'OBJECT_TRIGGER' ? 'trigger' : 'policy', `${table}.${parts[parts.length - 1]}`);
          break;
        }
        default:
          break;
      }
    }
  }
}

/** The name PostgreSQL gives an unnamed constraint (ChooseConstraintName), good enough to name it in a report. */
function defaultConstraintName(table: string, contype: string, columns: string[], column?: string): string {
  const rel = table.split('.').pop()!;
  if (contype === 'p') return `${rel}_pkey`;
  const cols = columns.length ? columns.join('_') : column;
  const suffix = { u: 'key', c: 'check', f: 'fkey', x: 'excl' }[contype]!;
  return cols ? `${rel}_${cols}_${suffix}` : `${rel}_${suffix}`;
}
