import { valuesUsedInLaterUnits } from '../analysis/enum-values';
import { Names } from '../analysis/names';
import { parseSql } from '../analysis/parse';
import { createsPartitioned, mayHoldSpecialStatement, superuserNeed } from '../analysis/statement-kinds';
import { stepTransaction } from '../analysis/transaction';
import type { ParsedStatement } from '../analysis/types';
import { catalogFacts } from '../db/catalog-facts';
import { serverFacts } from '../db/server-facts';
import type { Session } from '../db/session';
import { BlockedError } from '../errors';
import { refuseSyntaxErrors } from './syntax';
import { refuseBlank, type Unit } from './units';

export interface PreflightOptions {
  session: Session;
  dryRun?: boolean;
  singleTransaction?: boolean;
}

/**
 * Before anything runs: no pending up step is empty; every pending unit's up and down steps parse in the server's grammar
 * (a syntax error blocks with file:line:column); a unit with statements that cannot run in a
 * transaction is marked to run outside one (the table of statement kinds, as `plan` says), and
 * cannot be part of a dry run or a single transaction, nor can a unit using an enum value an
 * earlier one adds; a unit that controls its own transaction, or needs a superuser the role is
 * not, is refused. Returns the units whose transaction mode the analysis changed.
 */
export async function preflight(pending: Unit[], o: PreflightOptions): Promise<Map<string, Unit>> {
  refuseBlank(pending, 'up');
  const server = await serverFacts(o.session);
  const files = pending.flatMap((u) => [u.up, ...(u.down ? [u.down] : [])]).map((f) => ({ file: f.path, text: f.text }));
  await refuseSyntaxErrors(o.session, files, server.major, 'nothing was run');

  // Only a file that may hold such a statement is worth a full parse.
  const parsed = new Map<string, ParsedStatement[]>();
  for (const u of pending) {
    if (!mayHoldSpecialStatement(u.up.text)) continue;
    const r = await parseSql(u.up.path, u.up.text);
    if (r.ok) parsed.set(u.name, r.statements);
  }
  const partitioned = await partitionedTables(o.session, pending, parsed);
  const out = new Map<string, Unit>();
  const ownTransaction: string[] = [];
  const superuser: string[] = [];
  for (const u of pending) {
    const statements = parsed.get(u.name);
    if (!statements) continue;
    for (const st of statements) {
      if (st.kind === 'TransactionStmt') ownTransaction.push(`${u.up.path}:${st.line}: ${st.text.split('\n')[0]}`);
      const why = superuserNeed(st.node);
      if (why) superuser.push(`${u.up.path}:${st.line}: ${why}`);
    }
    const { transactional } = stepTransaction(u.up.text, statements, { partitioned: (t) => partitioned.has(t) });
    if (transactional !== u.transactional) out.set(u.name, { ...u, transactional });
  }
  if (ownTransaction.length) {
    throw new BlockedError('a unit controls its own transaction (BEGIN/COMMIT/ROLLBACK/SAVEPOINT); the runner wraps each unit, so this would break its atomicity', 'remove those statements from the file', ownTransaction);
  }
  if (superuser.length && !server.superuser) {
    throw new BlockedError(`${superuser.length} statement(s) need a superuser, and ${server.role} is not one; nothing was run`, 'run as a superuser, or change the statements', superuser);
  }
  if (!o.dryRun && !o.singleTransaction) return out;
  const mode = o.dryRun ? '--dry-run' : '--single-transaction';
  const outside = pending.filter((u) => !(out.get(u.name) ?? u).transactional).map((u) => u.name);
  if (outside.length) {
    throw new BlockedError(`${outside.join(', ')} must run outside a transaction, so ${mode} cannot include it`, 'run the units before it first, or leave out the flag');
  }
  const used = await valuesUsedLater(pending, parsed);
  if (used.length) {
    throw new BlockedError(`${mode} runs every unit in one transaction, where an enum value added by one unit cannot be used by a later one [55P04]`,
      'run `migrate up` without the flag (each unit commits before the next), or up to the unit that adds the value first',
      used.map((v) => `${v.type} value '${v.label}': added at ${v.added.file}:${v.added.line}, used at ${v.used.file}:${v.used.line}`));
  }
  return out;
}

/** Uses, in a later pending unit, of an enum value a pending unit adds; only files quoting such a label are parsed. */
async function valuesUsedLater(pending: Unit[], parsed: Map<string, ParsedStatement[]>): Promise<ReturnType<typeof valuesUsedInLaterUnits>> {
  const labels = [...parsed.values()].flat().map((st) => st.node?.AlterEnumStmt?.newVal).filter((l): l is string => typeof l === 'string');
  if (labels.length === 0) return [];
  const units: Array<{ unit: string; file: string; statements: ParsedStatement[] }> = [];
  for (const u of pending) {
    let statements = parsed.get(u.name);
    if (!statements && labels.some((l) => u.up.text.includes(`'${l.replace(/'/g, "''")}'`))) {
      const r = await parseSql(u.up.path, u.up.text);
      statements = r.ok ? r.statements : undefined;
    }
    if (statements) units.push({ unit: u.name, file: u.up.path, statements });
  }
  return valuesUsedInLaterUnits(units, new Names());
}

/**
 * Partitioned tables a CLUSTER may name (CLUSTER of one cannot run in a transaction, 15+): those
 * in the database, and those pending units create with PARTITION BY. Asked only when a CLUSTER
 * of one table is pending.
 */
async function partitionedTables(s: Session, pending: Unit[], parsed: Map<string, ParsedStatement[]>): Promise<Set<string>> {
  const names = new Names();
  const relation = (rv: unknown) => names.relation(rv)?.name;
  const targets = [...parsed.values()].flat().map((st) => st.node?.ClusterStmt?.relation).filter(Boolean).map(relation).filter((t): t is string => !!t);
  if (targets.length === 0) return new Set();
  const out = new Set<string>();
  for (const u of pending.filter((x) => /\bpartition\s+by\b/i.test(x.up.text))) {
    const r = parsed.has(u.name) ? { ok: true as const, statements: parsed.get(u.name)! } : await parseSql(u.up.path, u.up.text);
    for (const st of r.ok ? r.statements : []) {
      const t = createsPartitioned(st.node, relation);
      if (t) out.add(t);
    }
  }
  const facts = await catalogFacts(s, targets.map((name) => ({ kind: 'relation', name })));
  for (const t of targets) if (facts.table(t)?.partitioned) out.add(t);
  return out;
}
