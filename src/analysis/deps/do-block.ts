import { parseSync } from 'libpg-query';
import { Node, defElem, list, str } from '../ast';
import { maskLiterals, splitTopLevel } from '../text';

/**
 * SQL statements written directly in a PL/pgSQL DO block, such as the
 * idempotent `IF NOT EXISTS (…) THEN CREATE ROLE authenticated NOLOGIN; END IF;`.
 * PL/pgSQL runs them conditionally, so they are only hints of what the block
 * may create; dynamic SQL (EXECUTE '…') is not seen.
 */
export function embeddedStatements(doStmt: Node): Node[] {
  const lang = str(defElem(doStmt.args, 'language')?.arg);
  const body = str(defElem(doStmt.args, 'as')?.arg);
  if (!body || (lang && lang.toLowerCase() !== 'plpgsql')) return [];
  const masked = maskLiterals(body);
  const found: Node[] = [];
  for (const [start, end] of splitTopLevel(body)) {
    // A piece may start with control flow (`BEGIN IF … THEN CREATE …`): try each CREATE/GRANT in it.
    const re = /\b(create|grant|alter)\b/gi;
    const piece = masked.slice(start, end);
    for (let m = re.exec(piece); m; m = re.exec(piece)) {
      const stmt = tryParse(body.slice(start + m.index, end));
      if (stmt) {
        found.push(stmt);
        break;
      }
    }
  }
  return found;
}

function tryParse(sql: string): Node | undefined {
  try {
    // parseSync needs the WASM module, which parseSql has loaded; without it we simply see nothing.
    const stmts = list(parseSync(sql)?.stmts);
    return stmts.length === 1 ? stmts[0].stmt : undefined;
  } catch {
    return undefined;
  }
}
