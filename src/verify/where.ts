import path from 'node:path';
import { lineColumnAt } from '../db/session';
import type { UnitFile } from '../engine/units';

/** A unit file's path as a report shows it: relative to the working folder when inside it. */
export function shownPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

/** "file:line", or the file alone when the line is not known. */
export function at(file: UnitFile, line: number | undefined): string {
  return line ? `${shownPath(file.path)}:${line}` : shownPath(file.path);
}

/** Shortest prefix of a check name worth searching for: shorter ones match anywhere. */
const MIN_PREFIX = 6;

/**
 * The line of a hook or behaviour file that names a check: its name as an SQL string
 * literal, or, for names the SQL builds (format('… public.%s', t), 'index ' || e.idx),
 * the longest prefix of it, cut after a space, dot or parenthesis, that opens a literal;
 * of several such lines, the one holding most of the name's other words.
 */
export function lineOfCheck(file: UnitFile, check: string): number | undefined {
  const literal = `'${check.replace(/'/g, "''")}`;
  const lines = file.text.split('\n');
  for (let n = literal.length; n > MIN_PREFIX; n--) {
    if (n < literal.length && !' .('.includes(literal[n - 1])) continue;
    const prefix = literal.slice(0, n);
    if (!file.text.includes(prefix)) continue;
    const candidates = lines.flatMap((text, i) => (text.includes(prefix) ? [{ line: i + 1, text }] : []));
    if (candidates.length === 0) continue;
    const words = check.slice(n - 1).match(/\w{3,}/g) ?? [];
    const score = (text: string) => words.filter((w) => text.includes(w)).length;
    return candidates.reduce((best, c) => (score(c.text) > score(best.text) ? c : best)).line;
  }
  return undefined;
}

/**
 * The line of an expect.json that declares an object: after the section's key
 * ("foreignKeys"), the first needle whose enclosing {…} holds the other needles too.
 */
export function lineOfDeclaration(file: UnitFile, section: string, needles: readonly string[]): number | undefined {
  const text = file.text;
  const start = text.indexOf(JSON.stringify(section));
  if (start < 0 || needles.length === 0) return undefined;
  const [first, ...rest] = needles.map((n) => JSON.stringify(n));
  for (let i = text.indexOf(first, start); i >= 0; i = text.indexOf(first, i + 1)) {
    const close = text.indexOf('}', i);
    const object = text.slice(text.lastIndexOf('{', i), close < 0 ? undefined : close);
    if (rest.every((q) => object.includes(q))) return lineColumnAt(text, i).line;
  }
  return undefined;
}
