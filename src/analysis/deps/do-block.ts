import { Node, defElem, list, str } from '../ast';
import { parseSync17 } from '../parse';
import { maskLiterals, splitTopLevel } from '../text';
import type { ObjectKind, Opaque } from '../types';

/** Dynamic SQL: PL/pgSQL's EXECUTE statement (not CREATE TRIGGER's EXECUTE FUNCTION). */
const DYNAMIC_SQL = /(^|;|\bthen|\belse|\bloop|\bbegin)\s*execute\b/gi;

const ANY: ObjectKind[] = ['relation', 'schema', 'function', 'role', 'type', 'language'];

/** What a dynamic statement may create, from the words its SQL text starts with. */
const DYNAMIC_CREATES: Array<[RegExp, ObjectKind[]]> = [
  [/^(create|alter)\s+(or\s+replace\s+)?((global|local)\s+)?(temp|temporary|unlogged|materialized|recursive|foreign|unique)?\s*(table|view|index|sequence)\b/i, ['relation', 'type']],
  [/^create\s+(type|domain)\b/i, ['type']],
  [/^create\s+(or\s+replace\s+)?(function|procedure|aggregate)\b/i, ['function']],
  [/^create\s+schema\b/i, ['schema']],
  [/^create\s+(role|user|group)\b/i, ['role']],
  [/^(drop|grant|revoke|comment|insert|update|delete|truncate|analy[sz]e|vacuum|refresh|set|reset|lock)\b/i, []],
];

/**
 * What the EXECUTE statements of a block may create: read from the SQL text they run when
 * it is written out (`EXECUTE format('CREATE TABLE …', …)`), anything when it is not.
 */
function dynamicKinds(body: string, masked: string): { kinds: ObjectKind[]; sample: string } | undefined {
  const kinds = new Set<ObjectKind>();
  let sample: string | undefined;
  for (const m of masked.matchAll(DYNAMIC_SQL)) {
    const start = (m.index ?? 0) + m[0].length;
    const end = masked.indexOf(';', start);
    const literal = /'((?:[^']|'')*)'|\$([A-Za-z_]*)\$([\s\S]*?)\$\2\$/.exec(body.slice(start, end < 0 ? body.length : end));
    const sql = (literal?.[1] ?? literal?.[3] ?? '').replace(/''/g, "'").trim();
    const known = sql ? DYNAMIC_CREATES.find(([re]) => re.test(sql)) : undefined;
    (known ? known[1] : ANY).forEach((k) => kinds.add(k));
    sample ??= sql ? oneLine(sql) : 'a statement built at run time';
  }
  return sample === undefined ? undefined : { kinds: [...kinds], sample };
}

/**
 * The SQL statements written directly in a PL/pgSQL DO block, such as the idempotent
 * `IF NOT EXISTS (…) THEN CREATE TYPE channel_type AS ENUM (…); END IF;`, and why the block
 * is opaque, if it is: dynamic SQL (EXECUTE '…'), a DDL statement that does not parse, or a
 * language other than PL/pgSQL.
 */
export function embeddedStatements(doStmt: Node): { statements: Node[]; opaque?: Opaque } {
  const lang = str(defElem(doStmt.args, 'language')?.arg);
  const body = str(defElem(doStmt.args, 'as')?.arg);
  if (!body) return { statements: [] };
  if (lang && lang.toLowerCase() !== 'plpgsql') return { statements: [], opaque: { reason: `the DO block is written in ${lang}, which the analysis does not read`, kinds: ANY } };
  const masked = maskLiterals(body);
  const statements: Node[] = [];
  const dynamic = dynamicKinds(body, masked);
  let opaque: Opaque | undefined = dynamic && dynamic.kinds.length ? { reason: `the DO block runs dynamic SQL (EXECUTE ${dynamic.sample})`, kinds: dynamic.kinds } : undefined;
  for (const [start, end] of splitTopLevel(body)) {
    // A piece may start with control flow (`BEGIN IF … THEN CREATE …`): parse from its first DDL word.
    const m = /\b(create|alter|drop|grant)\b/i.exec(masked.slice(start, end));
    if (!m) continue;
    const stmt = tryParse(body.slice(start + m.index, end));
    if (stmt) statements.push(stmt);
    else opaque ??= { reason: `the DO block holds a statement the analysis cannot read (${oneLine(body.slice(start + m.index, end))})`, kinds: ANY };
  }
  return { statements, opaque };
}

function tryParse(sql: string): Node | undefined {
  try {
    // parseSync17 needs the WASM module, which parseSql has loaded; without it we simply see nothing.
    const stmts = list(parseSync17(sql)?.stmts);
    return stmts.length === 1 ? stmts[0].stmt : undefined;
  } catch {
    return undefined;
  }
}

function oneLine(sql: string): string {
  const t = sql.replace(/\s+/g, ' ').trim();
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}
