import { Node, list, nodeOf, strings } from '../ast';

/** PostgreSQL's NAMEDATALEN - 1: the longest identifier, in bytes. */
const MAX_NAME_BYTES = 63;

/** The first `n` bytes of `s`, never cutting a UTF-8 character (pg_mbcliplen). */
function clip(s: string, n: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > n) break;
    out += ch;
    bytes += b;
  }
  return out;
}

/**
 * The name PostgreSQL gives an object it names itself (makeObjectName): `name1_name2_label`,
 * shortening the longer of name1 and name2 until it fits in 63 bytes. Whether the name is
 * taken (PostgreSQL then appends a number) cannot be known here.
 */
export function objectName(name1: string, name2: string | undefined, label: string): string {
  const overhead = Buffer.byteLength(label) + 1 + (name2 ? 1 : 0);
  const avail = MAX_NAME_BYTES - overhead;
  const full1 = Buffer.byteLength(name1);
  const full2 = name2 ? Buffer.byteLength(name2) : 0;
  let n1 = full1;
  let n2 = full2;
  while (n1 + n2 > avail) {
    if (n1 > n2) n1--;
    else n2--;
  }
  // Most names fit: only a shortened one is clipped (character by character).
  const part1 = n1 === full1 ? name1 : clip(name1, n1);
  return name2 ? `${part1}_${n2 === full2 ? name2 : clip(name2, n2)}_${label}` : `${part1}_${label}`;
}

/** The column part of a generated index name (ChooseIndexNameAddition): names joined by `_`. */
function columnsPart(columns: string[]): string {
  let buf = '';
  for (const c of columns) {
    buf = buf ? `${buf}_${c}` : c;
    if (Buffer.byteLength(buf) >= MAX_NAME_BYTES + 1) break;
  }
  return buf;
}

/** Column names of index elements as PostgreSQL names them: the column, a function's name, or "expr"; repeats numbered. */
function elementNames(elements: Node[]): string[] {
  const out: string[] = [];
  for (const e of elements) {
    const el = nodeOf(e, 'IndexElem');
    let name: string = el?.indexcolname ?? el?.name ?? figure(el?.expr) ?? 'expr';
    for (let i = 1; out.includes(name); i++) name = `${el?.name ?? figure(el?.expr) ?? 'expr'}${i}`;
    out.push(name);
  }
  return out;
}

/** FigureIndexColname: a function call names its column after the function; a cast after what it casts. */
function figure(expr: Node): string | undefined {
  const call = nodeOf(expr, 'FuncCall');
  if (call) return strings(call.funcname).slice(-1)[0];
  const cast = nodeOf(expr, 'TypeCast');
  if (cast) return figure(cast.arg);
  const ref = nodeOf(expr, 'ColumnRef');
  return ref ? strings(ref.fields).slice(-1)[0] : undefined;
}

/**
 * The index a PRIMARY KEY, UNIQUE or EXCLUDE constraint creates on `table` (bare name), or
 * undefined for other constraints. `column` is the column a column constraint is written on.
 */
export function constraintIndexName(table: string, con: Node, column?: string): string | undefined {
  const label = con.contype === 'CONSTR_PRIMARY' ? 'pkey' : con.contype === 'CONSTR_UNIQUE' ? 'key' : con.contype === 'CONSTR_EXCLUSION' ? 'excl' : undefined;
  if (!label) return undefined;
  if (typeof con.conname === 'string') return con.conname;
  if (typeof con.indexname === 'string') return con.indexname; // ADD … USING INDEX without a name keeps the index's
  if (label === 'pkey') return objectName(table, undefined, 'pkey');
  const columns = label === 'excl'
    ? elementNames(list(con.exclusions).map((pair: Node) => nodeOf(pair, 'List')?.items?.[0]))
    : column ? [column] : strings(con.keys);
  return objectName(table, columnsPart(columns), label);
}

/** The name of `CREATE INDEX ON table (…)` without a name (ChooseIndexName). */
export function indexName(table: string, idx: Node): string {
  const label = idx.primary ? 'pkey' : idx.isconstraint ? 'key' : 'idx';
  return label === 'pkey' ? objectName(table, undefined, label) : objectName(table, columnsPart(elementNames(list(idx.indexParams))), label);
}
