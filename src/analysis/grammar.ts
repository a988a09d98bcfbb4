import { GRAMMAR_17, type Grammar } from './parse';

/**
 * The parsers of older server majors, installed side by side (package.json aliases
 * libpg-query-13/15/16 of the WebAssembly builds, which run no install script). PostgreSQL 14
 * has no such build that installs cleanly: a 14 server is checked by the server itself.
 */
// Loaded on first use (each is a WebAssembly parser); require, not import(), so that CommonJS stays CommonJS.
const LOADERS: Record<number, () => { parse(sql: string): Promise<unknown> }> = {
  13: () => require('libpg-query-13') as typeof import('libpg-query-13'),
  15: () => require('libpg-query-15') as typeof import('libpg-query-15'),
  16: () => require('libpg-query-16') as typeof import('libpg-query-16'),
};

/** Whether a parser of that server major is installed. */
export function hasGrammar(major: number): boolean {
  return major === 17 || major in LOADERS;
}

/** The grammar of a server major, or undefined when no parser of that major is at hand. */
export async function grammarFor(major: number): Promise<Grammar | undefined> {
  if (major === 17) return GRAMMAR_17;
  const load = LOADERS[major];
  if (!load) return undefined;
  const mod = load();
  return { major, parse: (sql) => mod.parse(sql) as ReturnType<Grammar['parse']> };
}
