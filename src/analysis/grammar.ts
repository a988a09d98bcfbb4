import { GRAMMAR_17, wasmGrammar, type Grammar } from './parse';
import { wasmParser } from './wasm-parser';

/**
 * The parsers of older server majors, installed side by side (package.json aliases
 * libpg-query-13/15/16 of the WebAssembly builds, which run no install script). PostgreSQL 14
 * has no such build that installs cleanly: a 14 server is checked by the server itself.
 */
const PACKAGES: Record<number, string> = { 13: 'libpg-query-13', 15: 'libpg-query-15', 16: 'libpg-query-16' };
// One parser per major and process (each is a WebAssembly instance), made on first use.
const made = new Map<number, Grammar>();

/** Whether a parser of that server major is installed. */
export function hasGrammar(major: number): boolean {
  return major === 17 || major in PACKAGES;
}

/** The grammar of a server major, or undefined when no parser of that major is at hand. */
export async function grammarFor(major: number): Promise<Grammar | undefined> {
  if (major === 17) return GRAMMAR_17;
  const pkg = PACKAGES[major];
  if (!pkg) return undefined;
  let g = made.get(major);
  if (!g) made.set(major, (g = wasmGrammar(major, wasmParser(pkg))));
  return g;
}
