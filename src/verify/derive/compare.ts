import type { Node } from '../../analysis/ast';
import { strings } from '../../analysis/ast';
import type { TaskCheck } from '../tasks';
import { TASK } from '../expectations';
import { parseDefinition, parseExpression, parseType, SERVER_READS, type ServerDefs } from './catalog';
import { functionKey, type Declared } from './declared';
import { differingFields, normalize, sameTree, typeKey } from './normalize';

const SERIAL: Record<string, string | undefined> = { smallserial: 'int2', serial: 'int4', bigserial: 'int8' };
const FK_ACTION: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };
const CONTYPE: Record<string, string> = { p: 'primary key', u: 'unique constraint', c: 'check constraint', f: 'foreign key', x: 'exclusion constraint' };
const CONTYPE_OF: Record<string, string> = { CONSTR_PRIMARY: 'p', CONSTR_UNIQUE: 'u', CONSTR_CHECK: 'c', CONSTR_FOREIGN: 'f', CONSTR_EXCLUSION: 'x' };

/** Words for the fields of a definition, in what a reader calls them. */
const FIELD_WORDS: Record<string, string> = {
  relation: 'table', accessMethod: 'method', indexParams: 'columns or expressions', indexIncludingParams: 'INCLUDE columns', whereClause: 'predicate (WHERE)',
  unique: 'uniqueness', nulls_not_distinct: 'NULLS NOT DISTINCT', options: 'options', tableSpace: 'tablespace',
  contype: 'kind', keys: 'columns', fk_attrs: 'columns', pktable: 'referenced table', pk_attrs: 'referenced columns', fk_del_action: 'ON DELETE',
  fk_upd_action: 'ON UPDATE', fk_matchtype: 'MATCH', raw_expr: 'expression', deferrable: 'DEFERRABLE', initdeferred: 'INITIALLY DEFERRED', initially_valid: 'validated', exclusions: 'exclusions',
  timing: 'timing (BEFORE/AFTER/INSTEAD OF)', events: 'events', row: 'FOR EACH ROW/STATEMENT', funcname: 'function', args: 'arguments', columns: 'UPDATE OF columns', whenClause: 'WHEN condition', transitionRels: 'transition tables',
  parameters: 'arguments', returnType: 'return type', body: 'body', language: 'language', volatility: 'volatility', security: 'SECURITY DEFINER', strict: 'STRICT', leakproof: 'LEAKPROOF', parallel: 'PARALLEL', cost: 'COST', rows: 'ROWS', set: 'SET configuration', window: 'WINDOW',
  permissive: 'PERMISSIVE/RESTRICTIVE', cmd: 'command', roles: 'roles', qual: 'USING expression', with_check: 'WITH CHECK expression',
  type: 'type', notNull: 'nullability', default: 'default',
};

/** Function options at their defaults print nowhere in pg_get_functiondef: they are left out on both sides. */
const OPTION_DEFAULTS: Record<string, string> = { volatility: '"volatile"', security: 'false', strict: 'false', leakproof: 'false', parallel: '"unsafe"', window: 'false' };

interface Finding {
  ok: boolean;
  /** What differs, in words: "ON DELETE: expected CASCADE, found RESTRICT". */
  detail: string;
  found?: string;
  /** The server object's own name when it differs from the declared key (an unnamed constraint). */
  name?: string;
  missing?: string[];
}

/**
 * One check per declared object, comparing the unit's definition with the server's, both
 * parsed and normalised (normalize.ts). A failing check names the object, says what differs
 * (expected / found) and which unit made it (and which changed it since).
 */
export async function compareDeclared(declared: Declared[], defs: ServerDefs, busy: ReadonlyMap<string, string> = new Map()): Promise<TaskCheck[]> {
  const serverFunctions = new Map<string, { def: string; tree: Node }>();
  for (const f of defs.functions) {
    const tree = await parseDefinition(f.def);
    if (tree) serverFunctions.set(functionKey(tree, typeKey), { def: f.def, tree });
  }
  const out: TaskCheck[] = [];
  for (const d of declared) {
    const locked = d.table ? busy.get(d.table) : undefined;
    if (locked) {
      out.push({ ...toCheck(d, { ok: false, detail: locked }), detail: locked });
      continue;
    }
    const tableMissing = d.table && d.kind !== 'table' && !defs.tables.has(d.table) ? [`table ${d.table}`] : undefined;
    const f: Finding = tableMissing ? { ok: false, detail: `blocked: table ${d.table} is missing`, missing: tableMissing } : await compareOne(d, defs, serverFunctions);
    out.push(toCheck(d, f));
  }
  return out;
}

function checkName(d: Declared, f: Finding): { name: string; object: string; task: number } {
  const tail = d.key.split('.').pop()!;
  switch (d.kind) {
    case 'table': return { name: `table ${d.key}`, object: `table ${d.key}`, task: d.task };
    case 'column': return { name: `column ${d.key}`, object: `column ${d.key}`, task: d.task };
    case 'rls': return { name: `rls ${d.key}`, object: `row level security of ${d.key}`, task: d.task };
    case 'index': return { name: `index ${d.key}`, object: `index ${d.key} on ${d.table}`, task: d.task };
    case 'enum': return { name: `enum ${d.key}`, object: `enum ${d.key}`, task: d.task };
    case 'function': return { name: `function ${d.key.replace(/\((.*)\)$/, (_, a: string) => `(${a.split(',').filter(Boolean).join(', ')})`)}`, object: `function ${d.key}`, task: d.task };
    case 'grant': return { name: `grants on ${d.table} to ${d.role}`, object: `privileges of ${d.role} on ${d.table}`, task: d.task };
    case 'policy': return { name: `policy ${tail} on ${d.table}`, object: `policy ${tail} on ${d.table}`, task: d.task };
    case 'trigger': return { name: `trigger ${tail} on ${d.table}`, object: `trigger ${tail} on ${d.table}`, task: d.task };
    case 'constraint': {
      const contype = CONTYPE_OF[d.tree.contype];
      const label = d.named ? tail : f.name ?? tail;
      const task = contype === 'f' ? TASK.integration : d.task;
      return { name: `${CONTYPE[contype]} ${label} on ${d.table}`, object: `${CONTYPE[contype]} ${label} on ${d.table}`, task };
    }
  }
}

function toCheck(d: Declared, f: Finding): TaskCheck {
  const { name, object, task } = checkName(d, f);
  const made = d.origins[0];
  const changed = d.origins.slice(1);
  const by = `made by ${made.unit} (${made.at})${changed.length ? `, changed by ${changed.map((o) => `${o.unit} (${o.at})`).join(', ')}` : ''}`;
  const expected = d.origins.map((o) => o.text).join(' ; then ');
  const read = SERVER_READS[d.kind];
  return {
    task, name, status: f.ok ? 'pass' : f.missing ? 'blocked' : 'fail',
    detail: f.ok ? f.detail : f.missing ? f.detail : `${f.detail}; ${by}`,
    source: 'derived', unit: made.unit, object, expected, ...(f.found ? { found: f.found } : {}),
    ...(f.missing ? { missing: f.missing } : {}),
    query: `${d.origins.map((o) => o.at).join(', ')} · catalog: ${read}`,
    sql: fill(read, d),
  };
}

/** The catalog read with this object's names in it, to rerun by hand. */
function fill(read: string, d: Declared): string {
  const tail = d.key.split('.').pop()!;
  const quote = (s: string) => s.replace(/'/g, "''");
  return read
    .replace("'T'", `'${quote(d.table ?? d.key)}'`).replace("'C'", `'${quote(tail)}'`).replace("'I'", `'${quote(d.key)}'`).replace("'P'", `'${quote(tail)}'`)
    .replace("'G'", `'${quote(tail)}'`).replace("'F'", `'${quote(d.key)}'`).replace("'E'", `'${quote(d.key)}'`).replace("'R'", `'${quote(d.role ?? '')}'`);
}

async function compareOne(d: Declared, defs: ServerDefs, functions: Map<string, { def: string; tree: Node }>): Promise<Finding> {
  switch (d.kind) {
    case 'table': {
      const t = defs.tables.get(d.key);
      if (!t) return { ok: false, detail: `table ${d.key} is missing` };
      const missing = (d.columns ?? []).filter((c) => !t.columns.includes(c));
      const extra = t.columns.filter((c) => !(d.columns ?? []).includes(c));
      const problems = [...(missing.length ? [`column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`] : []), ...(extra.length ? [`undeclared column${extra.length > 1 ? 's' : ''} ${extra.join(', ')}`] : [])];
      return { ok: problems.length === 0, detail: problems.length ? problems.join('; ') : `${t.columns.length} columns as declared`, found: `columns ${t.columns.join(', ')}` };
    }
    case 'column': {
      const c = defs.columns.get(d.key);
      if (!c) return { ok: false, detail: `column ${d.key} is missing` };
      const serverType = await parseType(c.type);
      const expectedType = typeKey(d.type);
      // serial is int4 with a nextval() default the unit did not write.
      const serial = SERIAL[expectedType];
      const want = { type: serial ?? expectedType, notNull: !!d.notNull || !!serial, default: serial ? 'nextval' : normalize(d.default ?? null) };
      const have = { type: serverType ? typeKey(serverType) : c.type, notNull: c.notNull, default: serial && c.default?.startsWith('nextval(') ? 'nextval' : normalize((await parseExpression(c.default)) ?? null) };
      const fields = differingFields(want, have);
      const found = `${c.type}${c.notNull ? ' not null' : ''}${c.default ? ` default ${c.default}` : ''}`;
      if (fields.length === 0) return { ok: true, detail: found, found };
      const words = fields.map((k) => (k === 'notNull' ? `nullability: expected ${want.notNull ? 'NOT NULL' : 'nullable'}, found ${have.notNull ? 'NOT NULL' : 'nullable'}` : k === 'default' ? `default: expected ${d.default ? `as declared (${d.origins[d.origins.length - 1].text})` : 'none'}, found ${c.default ?? 'none'}` : `type: expected ${want.type}, found ${c.type}`));
      return { ok: false, detail: `column ${d.key}: ${words.join('; ')}`, found };
    }
    case 'rls': {
      const t = defs.tables.get(d.key);
      if (!t) return { ok: false, detail: `table ${d.key} is missing`, missing: [`table ${d.key}`] };
      const word = (b: boolean) => (b ? 'enabled' : 'disabled');
      return { ok: t.rls === d.rls, detail: t.rls === d.rls ? `row level security ${word(t.rls)}` : `row level security of ${d.key} is ${word(t.rls)}, expected ${word(!!d.rls)}`, found: word(t.rls) };
    }
    case 'index': {
      const i = defs.indexes.get(d.key);
      if (!i) return { ok: false, detail: `index ${d.key} is missing` };
      const tree = await parseDefinition(i.def);
      const fields = differingFields(indexShape(d.tree), indexShape(tree));
      if (!i.valid) fields.push('validity (INVALID)');
      return { ok: fields.length === 0, detail: fields.length ? `index ${d.key} differs in ${words(fields)}: found ${i.def}` : i.def, found: i.def };
    }
    case 'constraint':
      return compareConstraint(d, defs);
    case 'policy': {
      const p = defs.policies.get(d.key);
      if (!p) return { ok: false, detail: `policy ${d.key.split('.').pop()} on ${d.table} is missing` };
      const t = d.tree;
      const want = { permissive: t.permissive ? 'PERMISSIVE' : 'RESTRICTIVE', cmd: String(t.cmd_name ?? 'all').toUpperCase(), roles: roleNames(t.roles), qual: normalize(t.qual ?? null), with_check: normalize(t.with_check ?? null) };
      const have = { permissive: p.permissive, cmd: p.cmd, roles: [...p.roles].sort(), qual: normalize((await parseExpression(p.qual)) ?? null), with_check: normalize((await parseExpression(p.withCheck)) ?? null) };
      const fields = differingFields(want, have);
      const found = `${p.permissive} FOR ${p.cmd} TO ${p.roles.join(', ')}${p.qual ? ` USING (${p.qual})` : ''}${p.withCheck ? ` WITH CHECK (${p.withCheck})` : ''}`;
      return { ok: fields.length === 0, detail: fields.length ? `policy differs in ${words(fields)}: found ${found}` : found, found };
    }
    case 'trigger': {
      const g = defs.triggers.get(d.key);
      if (!g) return { ok: false, detail: `trigger ${d.key.split('.').pop()} on ${d.table} is missing` };
      const fields = differingFields(triggerShape(d.tree), triggerShape(await parseDefinition(g.def)));
      const disabled = g.enabled === 'D' && d.enabled !== false;
      const problems = [...(fields.length ? [`differs in ${words(fields)}: found ${g.def}`] : []), ...(disabled ? ['is DISABLED (tgenabled = D): it never fires'] : [])];
      return { ok: problems.length === 0, detail: problems.length ? `trigger ${problems.join('; ')}` : g.def, found: `${g.def}${g.enabled === 'D' ? ' (disabled)' : ''}` };
    }
    case 'function': {
      const s = functions.get(d.key);
      if (!s) return { ok: false, detail: `function ${d.key} is missing` };
      const fields = differingFields(functionShape(d.tree), functionShape(s.tree));
      const body = fields.includes('body') ? `; its body is now: ${oneLine(bodyOf(s.tree)).slice(0, 200)}` : '';
      return { ok: fields.length === 0, detail: fields.length ? `function ${d.key} differs in ${words(fields)}${body}` : 'definition as declared (body, arguments, return type, language, volatility, security)', found: oneLine(s.def).slice(0, 400) };
    }
    case 'enum': {
      const labels = defs.enums.get(d.key);
      if (!labels) return { ok: false, detail: `enum ${d.key} is missing` };
      const ok = sameTree(labels, d.labels);
      return { ok, detail: ok ? labels.join(', ') : `labels are ${labels.join(', ')}; expected ${d.labels!.join(', ')}`, found: labels.join(', ') };
    }
    case 'grant': {
      const have = defs.grants.get(d.key) ?? [];
      const lacking = (d.privileges ?? []).filter((p) => !have.includes(p));
      return { ok: lacking.length === 0, detail: lacking.length ? `${d.role} lacks ${lacking.join(', ')} on ${d.table}` : (d.privileges ?? []).join(', '), found: have.join(', ') || 'no privileges' };
    }
  }
}

async function compareConstraint(d: Declared, defs: ServerDefs): Promise<Finding> {
  const contype = CONTYPE_OF[d.tree.contype];
  const onTable = defs.constraints.filter((c) => c.table === d.table && c.contype === contype);
  const shapes = await Promise.all(onTable.map(async (c) => ({ c, shape: constraintShape(await parseConstraint(c.def), d.tree) })));
  const want = constraintShape(d.tree, d.tree);
  const name = d.key.split('.').pop()!;
  const exact = shapes.find((s) => (d.named ? s.c.name === name : true) && sameTree(s.shape, want));
  if (exact) return { ok: true, detail: `${exact.c.name}: ${exact.c.def}`, found: exact.c.def, name: exact.c.name };
  const cols = (s: Node) => JSON.stringify(s.keys ?? s.fk_attrs ?? null);
  const near = shapes.find((s) => s.c.name === name) ?? (d.named ? undefined : shapes.find((s) => contype !== 'c' && cols(s.shape) === cols(want)));
  if (!near) {
    const others = onTable.map((c) => `${c.name}: ${c.def}`).join('; ');
    return { ok: false, detail: `${CONTYPE[contype]} ${d.named ? `${name} ` : ''}on ${d.table} is missing${others ? ` (the table has ${others})` : ` (the table has no ${CONTYPE[contype]})`}`, found: others || 'none' };
  }
  const fields = differingFields(want, near.shape);
  const scalar = (k: string) => (k === 'fk_del_action' || k === 'fk_upd_action' ? `${FIELD_WORDS[k]}: expected ${FK_ACTION[want[k] ?? 'a']}, found ${FK_ACTION[near.shape[k] ?? 'a']}` : FIELD_WORDS[k] ?? k);
  return { ok: false, detail: `${near.c.name} differs in ${fields.map(scalar).join('; ')}: found ${near.c.def}`, found: near.c.def, name: near.c.name };
}

async function parseConstraint(def: string): Promise<Node> {
  const alter = await parseDefinition(`alter table t add constraint c ${def}`);
  return alter?.cmds?.[0]?.AlterTableCmd?.def?.Constraint ?? {};
}

/** The parts of a constraint that define it; a declared FK without referenced columns leaves them out on both sides. */
function constraintShape(c: Node, declared: Node): Node {
  const n = normalize(c);
  const keep = ['contype', 'keys', 'fk_attrs', 'pktable', 'pk_attrs', 'fk_del_action', 'fk_upd_action', 'fk_matchtype', 'raw_expr', 'deferrable', 'initdeferred', 'exclusions', 'nulls_not_distinct', 'including', 'access_method', 'where_clause'];
  const out: Record<string, Node> = {};
  for (const k of keep) if (n[k] !== undefined) out[k] = n[k];
  if (out.contype === 'CONSTR_FOREIGN') {
    out.fk_del_action ??= 'a';
    out.fk_upd_action ??= 'a';
    if (!declared.pk_attrs) delete out.pk_attrs;
  }
  out.validated = n.initially_valid !== false && !n.skip_validation;
  return out;
}

function indexShape(i: Node): Node {
  const n = normalize(i ?? {});
  const { idxname: _name, ...rest } = n;
  rest.accessMethod ??= 'btree';
  return rest;
}

function triggerShape(t: Node): Node {
  const n = normalize(t ?? {});
  const { trigname: _name, ...rest } = n;
  return rest;
}

function functionShape(f: Node): Node {
  const n = normalize(f ?? {});
  const options: Record<string, Node> = {};
  for (const o of n.options ?? []) {
    const e = o.DefElem;
    if (!e) continue;
    // The body is compared on its own (bodyOf).
    if (e.defname === 'as') continue;
    const value = JSON.stringify(e.arg?.String?.sval ?? e.arg?.Boolean?.boolval ?? e.arg?.Integer?.ival ?? e.arg?.Float?.fval ?? e.arg ?? true);
    if (OPTION_DEFAULTS[e.defname] === value) continue;
    options[e.defname] = e.defname === 'language' ? value.toLowerCase() : value;
  }
  return { parameters: n.parameters ?? [], returnType: n.returnType ?? null, body: bodyOf(f), is_procedure: !!n.is_procedure, ...options };
}

function bodyOf(f: Node): string {
  const as = (f?.options ?? []).map((o: Node) => o.DefElem).find((e: Node) => e?.defname === 'as');
  return as ? strings(as.arg).join('\n') : JSON.stringify(normalize(f?.sql_body ?? null));
}

function roleNames(roles: Node): string[] {
  const list: Node[] = roles ?? [];
  if (list.length === 0) return ['public'];
  return list.map((r) => (r.RoleSpec?.roletype === 'ROLESPEC_PUBLIC' ? 'public' : r.RoleSpec?.rolename)).sort();
}

function words(fields: string[]): string {
  return fields.map((f) => FIELD_WORDS[f] ?? f).join(', ');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
