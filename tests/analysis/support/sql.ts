import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSql, type ParsedStatement } from '../../../src/analysis';

export function fixture(name: string): string {
  return readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8');
}

/** Parse SQL that must be valid; fail the test with the parser's message otherwise. */
export async function statements(sql: string, file = 'test.sql'): Promise<ParsedStatement[]> {
  const r = await parseSql(file, sql);
  if (!r.ok) throw new Error(`unexpected syntax error ${r.error.line}:${r.error.column} ${r.error.message}`);
  return r.statements;
}

export async function one(sql: string): Promise<ParsedStatement> {
  const s = await statements(sql);
  if (s.length !== 1) throw new Error(`expected one statement, got ${s.length}`);
  return s[0];
}
