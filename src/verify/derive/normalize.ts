import type { Node } from '../../analysis/ast';

/**
 * One form for a parse tree of what a unit wrote and of what the server prints back
 * (pg_get_indexdef, pg_get_constraintdef, …), so that the two compare as data:
 * - positions and parser bookkeeping (location, inh, relpersistence, …) go;
 * - the default schemas go from qualified names: `public.t`, `pg_catalog.int4` and `t`
 *   are one name (the server prints names unqualified where search_path finds them);
 * - a constant is its text: `0`, `'0'::integer` and `'0'` are one constant, and a cast of
 *   a constant goes (the server adds `'{}'::jsonb` where the unit wrote `'{}'`);
 * - casts the server adds around a column to compare it as text go;
 * - `x IN (a, b)` is `x = ANY (ARRAY[a, b])` and `x BETWEEN a AND b` is `x >= a AND x <= b`,
 *   as the server prints them; nested ANDs (ORs) are one.
 */
const DROPPED_KEYS = new Set(['location', 'stmt_location', 'stmt_len', 'inh', 'relpersistence', 'is_local', 'replace', 'if_not_exists', 'missing_ok', 'concurrent', 'name_location']);
const DEFAULT_SCHEMAS = new Set(['public', 'pg_catalog']);
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'name']);

export function normalize(node: Node): Node {
  if (Array.isArray(node)) return node.map(normalize);
  if (!node || typeof node !== 'object') return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && /^[A-Z]/.test(keys[0])) return normalizeNode(keys[0], node[keys[0]]);
  // Fields the parser leaves unwrapped: a RangeVar (relation, pktable), a TypeName (typeName, argType).
  if (typeof node.relname === 'string') return normalizeNode('RangeVar', node).RangeVar;
  if (Array.isArray(node.names) && 'typemod' in node) return typeKey(node);
  const out: Record<string, Node> = {};
  for (const k of keys) if (!DROPPED_KEYS.has(k)) out[k] = k === 'funcname' && Array.isArray(node[k]) ? unqualified(node[k]) : normalize(node[k]);
  return out;
}

function normalizeNode(kind: string, body: Node): Node {
  switch (kind) {
    case 'A_Const':
      return { A_Const: constantText(body) };
    case 'TypeCast': {
      const arg = normalize(body.arg);
      const type = typeKey(body.typeName);
      if (arg && (arg.A_Const !== undefined || (arg.ColumnRef && TEXT_TYPES.has(type.replace(/\[\]$/, ''))) || (arg.A_ArrayExpr && /\[\]$/.test(type)))) return arg;
      return { TypeCast: { arg, typeName: type } };
    }
    case 'TypeName':
      return { TypeName: typeKey(body) };
    case 'RangeVar':
      return { RangeVar: { ...(body.schemaname && !DEFAULT_SCHEMAS.has(body.schemaname) ? { schemaname: body.schemaname } : {}), relname: body.relname, ...(body.alias ? { alias: normalize(body.alias) } : {}) } };
    case 'FuncCall':
      return { FuncCall: { ...normalize({ ...body, funcformat: undefined }), funcname: unqualified(body.funcname) } };
    case 'A_Expr':
      if (body.kind === 'AEXPR_IN') {
        const any = body.name?.[0]?.String?.sval === '=' ? 'AEXPR_OP_ANY' : 'AEXPR_OP_ALL';
        return { A_Expr: normalize({ ...body, kind: any, rexpr: { A_ArrayExpr: { elements: listItems(body.rexpr) } } }) };
      }
      if (body.kind === 'AEXPR_BETWEEN' || body.kind === 'AEXPR_NOT_BETWEEN') {
        // x BETWEEN a AND b is printed back as (x >= a) AND (x <= b).
        const [lo, hi] = listItems(body.rexpr);
        const not = body.kind === 'AEXPR_NOT_BETWEEN';
        const op = (name: string, r: Node) => ({ A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: name } }], lexpr: body.lexpr, rexpr: r } });
        return normalize({ BoolExpr: { boolop: not ? 'OR_EXPR' : 'AND_EXPR', args: [op(not ? '<' : '>=', lo), op(not ? '>' : '<=', hi)] } });
      }
      return { A_Expr: normalize(body) };
    case 'BoolExpr': {
      // (a AND b) AND c is a AND b AND c.
      const args = (body.args ?? []).map(normalize).flatMap((a: Node) => (body.boolop !== 'NOT_EXPR' && a?.BoolExpr?.boolop === body.boolop ? a.BoolExpr.args : [a]));
      return { BoolExpr: { boolop: body.boolop, args } };
    }
    default: {
      const out = normalize(body);
      if (out && typeof out === 'object' && Array.isArray(body.funcname)) out.funcname = unqualified(body.funcname);
      return { [kind]: out };
    }
  }
}

function listItems(n: Node): Node[] {
  return Array.isArray(n) ? n : (n?.List?.items ?? [n]);
}

/** A constant as its text, whatever the parser made of it (ival, fval, sval, boolval). */
function constantText(c: Node): Node {
  if (c.isnull) return { null: true };
  if (c.ival !== undefined) return String(c.ival.ival ?? 0);
  if (c.fval !== undefined) return String(c.fval.fval);
  if (c.boolval !== undefined) return String(!!c.boolval.boolval);
  if (c.sval !== undefined) return String(c.sval.sval ?? '');
  if (c.bsval !== undefined) return String(c.bsval.bsval);
  return JSON.stringify(c);
}

/** ["pg_catalog","now"] and ["now"] are one function; another schema stays. */
function unqualified(names: Node): string[] {
  const parts: string[] = (names ?? []).map((n: Node) => n?.String?.sval ?? JSON.stringify(n));
  return parts.length > 1 && DEFAULT_SCHEMAS.has(parts[0]) ? parts.slice(1) : parts;
}

/** Spellings of one built-in type the parser leaves apart (`int` becomes int4, `timestamptz` stays). */
const TYPE_ALIASES: Record<string, string> = { int: 'int4', integer: 'int4', smallint: 'int2', bigint: 'int8', real: 'float4', 'double precision': 'float8', boolean: 'bool', decimal: 'numeric', 'character varying': 'varchar', character: 'bpchar', 'timestamp with time zone': 'timestamptz', 'timestamp without time zone': 'timestamp', 'time with time zone': 'timetz', 'time without time zone': 'time' };

/** A type as one string: "varchar(255)", "timestamptz", "auth.role[]". */
export function typeKey(t: Node): string {
  if (!t) return '';
  const names = unqualified(t.names);
  const last = names[names.length - 1];
  names[names.length - 1] = TYPE_ALIASES[last] ?? last;
  const mods = (t.typmods ?? []).map((m: Node) => {
    const n = normalize(m);
    return n?.A_Const ?? JSON.stringify(n);
  });
  const bounds = (t.arrayBounds ?? []).map(() => '[]').join('');
  return `${t.setof ? 'setof ' : ''}${names.join('.')}${mods.length ? `(${mods.join(',')})` : ''}${bounds}`;
}

/** Names of the top-level fields in which two normalised trees differ. */
export function differingFields(expected: Record<string, Node>, found: Record<string, Node>): string[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])];
  return keys.filter((k) => JSON.stringify(sorted(expected[k])) !== JSON.stringify(sorted(found[k])));
}

/** Keys in one order, so that equal trees print equal. */
function sorted(n: Node): Node {
  if (Array.isArray(n)) return n.map(sorted);
  if (!n || typeof n !== 'object') return n;
  return Object.fromEntries(Object.keys(n).filter((k) => n[k] !== undefined && n[k] !== false && !(Array.isArray(n[k]) && n[k].length === 0)).sort().map((k) => [k, sorted(n[k])]));
}

export function sameTree(a: Node, b: Node): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

/**
 * Typed constants the unit wrote (`interval '1 hour'`) in the server's own spelling
 * (`'01:00:00'`), so they compare with what it prints back. Rewrites the trees in place
 * before normalize(); asks the server once for all of them.
 */
export async function canonicalConstants(trees: Node[], cast: (pairs: Array<{ value: string; type: string }>) => Promise<Array<string | null>>): Promise<void> {
  const found: Array<{ c: Node; value: string; type: string }> = [];
  const visit = (n: Node): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    const tc = n.TypeCast;
    if (tc?.arg?.A_Const?.sval !== undefined && tc.typeName) {
      const type = sqlTypeName(tc.typeName);
      if (type && !TEXT_TYPES.has(typeKey(tc.typeName))) found.push({ c: tc.arg.A_Const, value: String(tc.arg.A_Const.sval.sval ?? ''), type });
    }
    for (const k of Object.keys(n)) visit(n[k]);
  };
  trees.forEach(visit);
  if (found.length === 0) return;
  const out = await cast(found.map(({ value, type }) => ({ value, type })));
  found.forEach((f, i) => {
    if (out[i] != null) f.c.sval = { sval: out[i] };
  });
}

/** A TypeName as SQL with every name quoted, or undefined for one it cannot spell (safe to splice). */
function sqlTypeName(t: Node): string | undefined {
  const names: string[] = (t.names ?? []).map((n: Node) => n?.String?.sval);
  if (names.length === 0 || names.some((n) => typeof n !== 'string')) return undefined;
  const mods = (t.typmods ?? []).map((m: Node) => m?.A_Const?.ival?.ival);
  if (mods.some((m: unknown) => typeof m !== 'number')) return undefined;
  const quoted = names.map((n) => `"${n.replace(/"/g, '""')}"`).join('.');
  return `${quoted}${mods.length ? `(${mods.join(',')})` : ''}${(t.arrayBounds ?? []).map(() => '[]').join('')}`;
}
