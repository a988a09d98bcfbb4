/**
 * Minimal helpers over libpg-query's JSON AST. Nodes are `{ TypeName: {...} }`
 * wrappers; fields equal to their default (false, 0, empty) are omitted.
 */

// The AST is untyped JSON from the parser; keep `any` confined to this alias.
export type Node = any;

/** `{ Kind: body }` → ['Kind', body]; anything else → undefined. */
export function unwrap(node: Node): [string, Node] | undefined {
  const kind = kindOf(node);
  return kind === undefined ? undefined : [kind, node[kind]];
}

/**
 * The kind of a wrapped node, `{ Kind: body }`, or undefined. Every analysis walks every tree,
 * so this allocates nothing (no Object.keys array): those arrays were the largest share of a
 * run's garbage (35 of 209 MB allocated by `up` of 1,000 small units).
 */
function kindOf(node: Node): string | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  return wrappedKind(node);
}

/** The kind of a `{ Kind: body }` object (its only key, capitalised), else undefined. No array is built: walks call this for every node. */
function wrappedKind(node: object): string | undefined {
  let kind: string | undefined;
  for (const key in node) {
    if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
    if (kind !== undefined) return undefined;
    kind = key;
  }
  if (kind === undefined) return undefined;
  const c = kind.charCodeAt(0);
  return c >= 65 && c <= 90 ? kind : undefined;
}

/** Object.keys(node)[0] without the array (a statement's kind, asked of every statement by several analyses). */
export function firstKey(node: Node): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  for (const key in node) if (Object.prototype.hasOwnProperty.call(node, key)) return key;
  return undefined;
}

/** The body of a wrapped node if it has the given kind (no [kind, body] pair is built: called for most nodes). */
export function nodeOf(node: Node, kind: string): Node | undefined {
  return kindOf(node) === kind ? node[kind] : undefined;
}

/** `[{String:{sval}}]` (or a `{List:{items}}`) → ['a', 'b']. */
export function strings(list: Node): string[] {
  const items: Node[] = Array.isArray(list) ? list : (nodeOf(list, 'List')?.items ?? []);
  const out: string[] = [];
  for (const n of items) {
    const s = nodeOf(n, 'String')?.sval;
    if (typeof s === 'string') out.push(s);
  }
  return out;
}

/** `{String:{sval}}` → 'sval'. */
export function str(node: Node): string | undefined {
  const s = nodeOf(node, 'String')?.sval;
  return typeof s === 'string' ? s : undefined;
}

export function list(value: Node): Node[] {
  return Array.isArray(value) ? value : [];
}

/** DefElem options by name, e.g. a function's `language`. */
export function defElem(options: Node, name: string): Node | undefined {
  for (const o of list(options)) {
    const d = nodeOf(o, 'DefElem');
    if (d?.defname === name) return d;
  }
  return undefined;
}

/**
 * Depth-first walk over wrapped nodes. The visitor gets each node's kind and
 * body; returning false skips that node's children.
 */
export function walk(node: Node, visit: (kind: string, body: Node) => boolean | void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const kind = wrappedKind(node);
  if (kind !== undefined) {
    const body = node[kind];
    if (visit(kind, body) === false) return;
    walkFields(body, visit);
  } else {
    walkFields(node, visit);
  }
}

function walkFields(body: Node, visit: (kind: string, body: Node) => boolean | void): void {
  if (!body || typeof body !== 'object') return;
  for (const key in body) {
    const v = body[key];
    if (v && typeof v === 'object') walkBare(key, v, visit);
  }
}

/**
 * Some fields hold bare (unwrapped) structs, e.g. CreateStmt.relation is a
 * RangeVar without the `{RangeVar: …}` wrapper. Re-wrap the ones we care
 * about so visitors see them by kind.
 */
const BARE_FIELDS: Record<string, string> = {
  relation: 'RangeVar',
  pktable: 'RangeVar',
  table: 'RangeVar',
  typevar: 'RangeVar',
  view: 'RangeVar',
  sequence: 'RangeVar',
  rel: 'RangeVar',
  name: 'RangeVar', // PartitionCmd.name
  constrrel: 'RangeVar',
  funccall: 'FuncCall', // CallStmt.funccall
  typeName: 'TypeName',
  returnType: 'TypeName',
  argType: 'TypeName',
  ofTypename: 'TypeName',
  authrole: 'RoleSpec',
  newowner: 'RoleSpec',
  role: 'RoleSpec',
  grantor: 'RoleSpec',
};

function walkBare(key: string, v: Node, visit: (kind: string, body: Node) => boolean | void): void {
  const bare = BARE_FIELDS[key];
  if (bare && !Array.isArray(v) && wrappedKind(v) === undefined && looksLike(bare, v)) {
    // What walk({ [bare]: v }) would do, without building the wrapper.
    if (visit(bare, v) === false) return;
    walkFields(v, visit);
  } else {
    walk(v, visit);
  }
}

function looksLike(kind: string, v: Node): boolean {
  switch (kind) {
    case 'RangeVar':
      return typeof v.relname === 'string';
    case 'TypeName':
      return Array.isArray(v.names);
    case 'RoleSpec':
      return typeof v.roletype === 'string';
    case 'FuncCall':
      return Array.isArray(v.funcname);
    default:
      return false;
  }
}
