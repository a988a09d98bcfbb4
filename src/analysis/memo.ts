import type { AnalysisOptions, ParsedStatement } from './types';

/**
 * A pure analysis of one statement, computed once per parse tree and options. `plan` asks the
 * same questions of every statement from several places (catalog references, gaps, locks,
 * what a step creates); over a file of thousands of statements the repeated tree walks were
 * most of its time. Keyed by the tree object, so a statement parsed again is analysed again;
 * callers treat the result as read-only.
 */
export function memoByNode<T>(analyse: (stmt: ParsedStatement, opts: AnalysisOptions) => T): (stmt: ParsedStatement, opts?: AnalysisOptions) => T {
  // Nearly every question is asked with the default options: those answers sit in a WeakMap of
  // their own, with no Map of options per node.
  const byDefault = new WeakMap<object, T>();
  const cache = new WeakMap<object, Map<string, T>>();
  return (stmt, opts = NO_OPTIONS) => {
    const node = stmt.node;
    if (node === null || typeof node !== 'object') return analyse(stmt, opts);
    const key = optionsKey(opts);
    if (key === DEFAULT_KEY) {
      let r = byDefault.get(node);
      if (r === undefined && !byDefault.has(node)) byDefault.set(node, (r = analyse(stmt, opts)));
      return r as T;
    }
    let byOpts = cache.get(node);
    if (!byOpts) cache.set(node, (byOpts = new Map()));
    let r = byOpts.get(key);
    if (r === undefined && !byOpts.has(key)) byOpts.set(key, (r = analyse(stmt, opts)));
    return r as T;
  };
}

const DEFAULT_KEY = 'public\u0001public';
const NO_OPTIONS: AnalysisOptions = Object.freeze({});

/** Names() reads the options so: an empty or absent search path is ['public'], as are absent assumed schemas. */
function optionsKey(opts: AnalysisOptions): string {
  const path = opts.searchPath;
  if (opts.assumeSchemas === undefined && (!path || path.length === 0 || (path.length === 1 && path[0] === 'public'))) return DEFAULT_KEY;
  return `${(path?.length ? path : ['public']).join('\0')}\u0001${(opts.assumeSchemas ?? ['public']).join('\0')}`;
}
