import { Node, defElem, firstKey, list, nodeOf, str } from './ast';
import type { LockMode } from './types';

/**
 * How a statement relates to the transaction around it, on PostgreSQL 13–17:
 * - `any`: fine inside a transaction block;
 * - `outside`: the server refuses it inside one (PreventInTransactionBlock, error 25001);
 * - `commit-before-use`: it runs inside one, but what it adds (an enum label, PostgreSQL ≥ 12)
 *   cannot be used until that transaction commits (error 55P04);
 * - `controls`: it begins or ends a transaction itself, which a unit may not do.
 */
export type TransactionNeed = 'any' | 'outside' | 'commit-before-use' | 'controls';

/** One form of statement and what PostgreSQL does with it. */
export interface StatementKind {
  /** What a DBA calls it, for messages. */
  label: string;
  /** The parse-tree node the form belongs to. */
  node: string;
  /** The form within that node (CONCURRENTLY, without a table, …); forms of one node are exclusive unless they look at ALTER TABLE subcommands. */
  when?: (body: Node) => boolean;
  transaction: TransactionNeed;
  /** The lock it takes on the relation it names (documented "Explicit Locking" levels); undefined when none or when locks.ts works it out per subcommand. */
  lock?: LockMode;
  /** What it destroys, said after "… in an up step": undefined when nothing. */
  destroys?: string;
  /** Why it needs a superuser, when it does. */
  superuser?: (body: Node) => string | undefined;
  /**
   * Words without which a statement of this form is neither outside-transaction nor superuser-only:
   * a file with none of the special forms' words need not be parsed before running it.
   */
  words: RegExp;
}

const concurrently = (params: Node): boolean => !!defElem(params, 'concurrently');
const option = (options: Node, name: string): string | undefined => {
  const d = defElem(options, name);
  if (!d) return undefined;
  return str(d.arg) ?? (d.arg?.Boolean ? String(!!d.arg.Boolean.boolval) : 'true');
};
const isFalse = (v: string | undefined): boolean => v !== undefined && /^(false|off|0|no)$/i.test(v);
const alterCmds = (b: Node): Node[] => list(b.cmds).map((c) => nodeOf(c, 'AlterTableCmd')).filter(Boolean);
const hasCmd = (b: Node, ...subtypes: string[]): boolean => alterCmds(b).some((c) => subtypes.includes(c.subtype));
const always = (why: string) => (): string => why;

/** A relation in pg_catalog written to: explicitly qualified, or an unqualified pg_* name (pg_catalog comes first in every search path). */
function catalogTable(rv: Node): string | undefined {
  if (!rv || typeof rv.relname !== 'string') return undefined;
  if (rv.schemaname === 'pg_catalog' || (!rv.schemaname && rv.relname.startsWith('pg_'))) return `pg_catalog.${rv.relname}`;
  return undefined;
}
const writesCatalog = (b: Node): string | undefined => {
  const t = catalogTable(b.relation);
  return t && `it writes the system catalog ${t}`;
};

/** Role attributes only a superuser may grant. */
const SUPERUSER_ROLE_OPTIONS: Record<string, string> = { superuser: 'SUPERUSER', isreplication: 'REPLICATION', bypassrls: 'BYPASSRLS' };
const roleAttributes = (b: Node): string | undefined => {
  const granted = list(b.options)
    .map((o) => nodeOf(o, 'DefElem'))
    .filter((d) => d && SUPERUSER_ROLE_OPTIONS[d.defname] && d.arg?.Boolean?.boolval)
    .map((d) => SUPERUSER_ROLE_OPTIONS[d.defname]);
  return granted.length ? `it grants ${granted.join(', ')}` : undefined;
};

/** Extensions PostgreSQL's contrib marks `trusted` (13–17): a database owner may create them; any other needs a superuser. */
export const TRUSTED_EXTENSIONS = new Set([
  'btree_gin', 'btree_gist', 'citext', 'cube', 'dict_int', 'fuzzystrmatch', 'hstore', 'intarray', 'isn', 'lo', 'ltree',
  'pg_trgm', 'pgcrypto', 'plpgsql', 'seg', 'tablefunc', 'tcn', 'tsm_system_rows', 'tsm_system_time', 'unaccent', 'uuid-ossp',
]);

/**
 * The one table of statement forms: whether they can run in a transaction, the lock they take,
 * what they destroy, whether they need a superuser. Read by the lint rules, by `plan`, by the
 * runner's preflight and by the lock footprint, so that `plan` and `up` cannot disagree.
 */
export const STATEMENT_KINDS: readonly StatementKind[] = [
  // Transaction control: the runner wraps each unit in its own transaction.
  { label: 'transaction control', node: 'TransactionStmt', transaction: 'controls', words: /\b(begin|start|commit|end|rollback|abort|savepoint|release|prepare)\b/i },

  // Index builds and drops.
  { label: 'CREATE INDEX CONCURRENTLY', node: 'IndexStmt', when: (b) => !!b.concurrent, transaction: 'outside', lock: 'SHARE UPDATE EXCLUSIVE', words: /\bconcurrently\b/i },
  { label: 'CREATE INDEX', node: 'IndexStmt', when: (b) => !b.concurrent, transaction: 'any', lock: 'SHARE', words: /\bindex\b/i },
  { label: 'DROP INDEX CONCURRENTLY', node: 'DropStmt', when: (b) => !!b.concurrent, transaction: 'outside', lock: 'SHARE UPDATE EXCLUSIVE', words: /\bconcurrently\b/i },
  { label: 'REINDEX … CONCURRENTLY', node: 'ReindexStmt', when: (b) => concurrently(b.params), transaction: 'outside', lock: 'SHARE UPDATE EXCLUSIVE', words: /\bconcurrently\b/i },
  { label: 'REINDEX SCHEMA/SYSTEM/DATABASE', node: 'ReindexStmt', when: (b) => !concurrently(b.params) && /SCHEMA|SYSTEM|DATABASE/.test(b.kind), transaction: 'outside', words: /\breindex\b/i },
  { label: 'REINDEX TABLE', node: 'ReindexStmt', when: (b) => !concurrently(b.params) && b.kind === 'REINDEX_OBJECT_TABLE', transaction: 'any', lock: 'SHARE', words: /\breindex\b/i },
  { label: 'REINDEX INDEX', node: 'ReindexStmt', when: (b) => !concurrently(b.params) && b.kind === 'REINDEX_OBJECT_INDEX', transaction: 'any', lock: 'ACCESS EXCLUSIVE', words: /\breindex\b/i },

  // Maintenance.
  { label: 'VACUUM FULL', node: 'VacuumStmt', when: (b) => !!b.is_vacuumcmd && !!defElem(b.options, 'full'), transaction: 'outside', lock: 'ACCESS EXCLUSIVE', words: /\bvacuum\b/i },
  { label: 'VACUUM', node: 'VacuumStmt', when: (b) => !!b.is_vacuumcmd && !defElem(b.options, 'full'), transaction: 'outside', lock: 'SHARE UPDATE EXCLUSIVE', words: /\bvacuum\b/i },
  { label: 'ANALYZE', node: 'VacuumStmt', when: (b) => !b.is_vacuumcmd, transaction: 'any', lock: 'SHARE UPDATE EXCLUSIVE', words: /\banaly[sz]e\b/i },
  // CLUSTER of one table runs in a transaction, except a partitioned one (15+), which the caller knows (see transactionNeed).
  { label: 'CLUSTER (every clustered table)', node: 'ClusterStmt', when: (b) => !b.relation, transaction: 'outside', words: /\bcluster\b/i },
  { label: 'CLUSTER', node: 'ClusterStmt', when: (b) => !!b.relation, transaction: 'any', lock: 'ACCESS EXCLUSIVE', words: /\bcluster\b/i },
  { label: 'REFRESH MATERIALIZED VIEW CONCURRENTLY', node: 'RefreshMatViewStmt', when: (b) => !!b.concurrent, transaction: 'any', lock: 'EXCLUSIVE', words: /\brefresh\b/i },
  { label: 'REFRESH MATERIALIZED VIEW', node: 'RefreshMatViewStmt', when: (b) => !b.concurrent, transaction: 'any', lock: 'ACCESS EXCLUSIVE', words: /\brefresh\b/i },
  { label: 'CHECKPOINT', node: 'CheckPointStmt', transaction: 'any', superuser: always('CHECKPOINT needs a superuser (or, on 15+, pg_checkpoint)'), words: /\bcheckpoint\b/i },

  // Cluster-wide objects.
  { label: 'CREATE DATABASE', node: 'CreatedbStmt', transaction: 'outside', words: /\bdatabase\b/i },
  { label: 'DROP DATABASE', node: 'DropdbStmt', transaction: 'outside', words: /\bdatabase\b/i },
  { label: 'ALTER DATABASE … SET TABLESPACE', node: 'AlterDatabaseStmt', when: (b) => !!defElem(b.options, 'tablespace'), transaction: 'outside', words: /\btablespace\b/i },
  { label: 'CREATE TABLESPACE', node: 'CreateTableSpaceStmt', transaction: 'outside', superuser: always('CREATE TABLESPACE needs a superuser'), words: /\btablespace\b/i },
  { label: 'DROP TABLESPACE', node: 'DropTableSpaceStmt', transaction: 'outside', words: /\btablespace\b/i },
  { label: 'ALTER SYSTEM', node: 'AlterSystemStmt', transaction: 'outside', superuser: always('ALTER SYSTEM needs a superuser (or, on 15+, a granted ALTER SYSTEM privilege)'), words: /\bsystem\b/i },
  // Logical replication: creating or dropping the slot, or copying a publication's tables, happens outside a transaction.
  {
    label: 'CREATE SUBSCRIPTION', node: 'CreateSubscriptionStmt', transaction: 'outside', words: /\bsubscription\b/i,
    when: (b) => !isFalse(option(b.options, 'create_slot')) && !isFalse(option(b.options, 'connect')),
    superuser: always('CREATE SUBSCRIPTION needs a superuser (or, on 16+, pg_create_subscription)'),
  },
  {
    label: 'CREATE SUBSCRIPTION (no slot)', node: 'CreateSubscriptionStmt', transaction: 'any', words: /\bsubscription\b/i,
    when: (b) => isFalse(option(b.options, 'create_slot')) || isFalse(option(b.options, 'connect')),
    superuser: always('CREATE SUBSCRIPTION needs a superuser (or, on 16+, pg_create_subscription)'),
  },
  { label: 'DROP SUBSCRIPTION', node: 'DropSubscriptionStmt', transaction: 'outside', words: /\bsubscription\b/i },
  {
    label: 'ALTER SUBSCRIPTION … REFRESH', node: 'AlterSubscriptionStmt', transaction: 'outside', words: /\bsubscription\b/i,
    when: (b) => b.kind === 'ALTER_SUBSCRIPTION_REFRESH' || (/PUBLICATION$/.test(b.kind) && !isFalse(option(b.options, 'refresh'))),
  },
  { label: 'CREATE PUBLICATION … FOR ALL TABLES', node: 'CreatePublicationStmt', when: (b) => !!b.for_all_tables, transaction: 'any', superuser: always('a publication FOR ALL TABLES needs a superuser'), words: /\bpublication\b/i },

  // Tables.
  { label: 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY', node: 'AlterTableStmt', transaction: 'outside', words: /\bconcurrently\b/i,
    when: (b) => alterCmds(b).some((c) => c.subtype === 'AT_DetachPartition' && nodeOf(c.def, 'PartitionCmd')?.concurrent) },
  { label: 'ALTER TABLE … DISABLE/ENABLE TRIGGER ALL', node: 'AlterTableStmt', transaction: 'any', words: /\btrigger\s+all\b/i,
    when: (b) => hasCmd(b, 'AT_DisableTrigAll', 'AT_EnableTrigAll'),
    superuser: always('DISABLE/ENABLE TRIGGER ALL switches the foreign-key triggers too, which needs a superuser') },
  { label: 'ALTER TABLE … DROP COLUMN', node: 'AlterTableStmt', transaction: 'any', destroys: 'destroys the column and its data', words: /\bdrop\b/i,
    when: (b) => hasCmd(b, 'AT_DropColumn') },
  ...(['TABLE', 'TYPE', 'DOMAIN', 'SCHEMA'] as const).map((what): StatementKind => ({
    label: `DROP ${what}`, node: 'DropStmt', when: (b) => b.removeType === `OBJECT_${what}`, transaction: 'any',
    lock: what === 'TABLE' ? 'ACCESS EXCLUSIVE' : undefined, destroys: 'destroys the object and its data', words: /\bdrop\b/i,
  })),
  { label: 'TRUNCATE', node: 'TruncateStmt', transaction: 'any', lock: 'ACCESS EXCLUSIVE', destroys: 'deletes every row', words: /\btruncate\b/i },
  { label: 'DELETE without WHERE', node: 'DeleteStmt', when: (b) => !b.whereClause, transaction: 'any', lock: 'ROW EXCLUSIVE', destroys: 'deletes every row', superuser: writesCatalog, words: /\bpg_\w/i },
  { label: 'DELETE', node: 'DeleteStmt', when: (b) => !!b.whereClause, transaction: 'any', lock: 'ROW EXCLUSIVE', superuser: writesCatalog, words: /\bpg_\w/i },
  { label: 'UPDATE without WHERE', node: 'UpdateStmt', when: (b) => !b.whereClause, transaction: 'any', lock: 'ROW EXCLUSIVE', destroys: 'rewrites every row', superuser: writesCatalog, words: /\bpg_\w/i },
  { label: 'UPDATE', node: 'UpdateStmt', when: (b) => !!b.whereClause, transaction: 'any', lock: 'ROW EXCLUSIVE', superuser: writesCatalog, words: /\bpg_\w/i },
  { label: 'MERGE', node: 'MergeStmt', transaction: 'any', lock: 'ROW EXCLUSIVE', superuser: writesCatalog, words: /\bpg_\w/i },
  { label: 'INSERT', node: 'InsertStmt', transaction: 'any', lock: 'ROW EXCLUSIVE', superuser: writesCatalog, words: /\bpg_\w/i },
  { label: 'COPY … file or program', node: 'CopyStmt', when: (b) => typeof b.filename === 'string', transaction: 'any', words: /\bcopy\b/i,
    superuser: (b) => `COPY ${b.is_from ? 'FROM' : 'TO'} a server ${b.is_program ? 'program' : 'file'} needs a superuser (or pg_${b.is_program ? 'execute_server_program' : b.is_from ? 'read_server_files' : 'write_server_files'})` },
  { label: 'CREATE TRIGGER', node: 'CreateTrigStmt', transaction: 'any', lock: 'SHARE ROW EXCLUSIVE', words: /\btrigger\b/i },

  // Types.
  { label: 'ALTER TYPE … ADD VALUE', node: 'AlterEnumStmt', when: (b) => !!b.newVal && !b.oldVal, transaction: 'commit-before-use', words: /\bvalue\b/i },

  // Objects only a superuser may create.
  { label: 'CREATE EVENT TRIGGER', node: 'CreateEventTrigStmt', transaction: 'any', superuser: always('CREATE EVENT TRIGGER needs a superuser'), words: /\bevent\b/i },
  { label: 'CREATE FOREIGN DATA WRAPPER', node: 'CreateFdwStmt', transaction: 'any', superuser: always('CREATE FOREIGN DATA WRAPPER needs a superuser'), words: /\bwrapper\b/i },
  { label: 'CREATE LANGUAGE', node: 'CreatePLangStmt', transaction: 'any', superuser: (b) => (b.pltrusted ? undefined : `CREATE LANGUAGE ${b.plname} (untrusted) needs a superuser`), words: /\blanguage\b/i },
  { label: 'CREATE EXTENSION', node: 'CreateExtensionStmt', transaction: 'any', words: /\bextension\b/i,
    superuser: (b) => (TRUSTED_EXTENSIONS.has(b.extname) ? undefined : `extension ${b.extname} is not one PostgreSQL marks trusted, so creating it needs a superuser`) },
  { label: 'CREATE ROLE', node: 'CreateRoleStmt', transaction: 'any', superuser: roleAttributes, words: /\b(superuser|replication|bypassrls)\b/i },
  { label: 'ALTER ROLE', node: 'AlterRoleStmt', transaction: 'any', superuser: roleAttributes, words: /\b(superuser|replication|bypassrls)\b/i },
  { label: 'SET session_replication_role', node: 'VariableSetStmt', when: (b) => b.name === 'session_replication_role', transaction: 'any', words: /\bsession_replication_role\b/i,
    superuser: always('setting session_replication_role needs a superuser (or, on 15+, a granted SET privilege)') },
  { label: 'LOAD', node: 'LoadStmt', transaction: 'any', superuser: always('LOAD of a library outside $libdir/plugins needs a superuser'), words: /\bload\b/i },
];

const BY_NODE = new Map<string, StatementKind[]>();
for (const k of STATEMENT_KINDS) BY_NODE.set(k.node, [...(BY_NODE.get(k.node) ?? []), k]);

/** Node kinds none of whose forms has a `when`: every form applies, and the table's own list is the answer. */
const UNCONDITIONAL = new Set([...BY_NODE].filter(([, kinds]) => kinds.every((k) => !k.when)).map(([node]) => node));
const NO_KINDS: readonly StatementKind[] = Object.freeze([]);

/** Every form a statement (a `{ Node: body }` tree) is; read-only (asked several times of every statement, it builds no array when it can). */
export function kindsOf(node: Node): readonly StatementKind[] {
  const kind = firstKey(node);
  const all = kind === undefined ? undefined : BY_NODE.get(kind);
  if (!all) return NO_KINDS;
  if (UNCONDITIONAL.has(kind!)) return all;
  return all.filter((k) => !k.when || k.when(node[kind!]));
}

/** The lock the statement's form takes on the relation it names, if the table says. */
export function lockOf(node: Node): LockMode | undefined {
  return kindsOf(node).find((k) => k.lock)?.lock;
}

/** What the server knows about a relation that decides a form's transaction need. */
export interface RelationFacts {
  /** True when the relation is a partitioned table (CLUSTER of one cannot run in a transaction, 15+). */
  partitioned(name: string): boolean;
}

/**
 * The strictest transaction need of a statement, and the form that causes it. `relation`
 * resolves a RangeVar to its qualified name, for the few forms that depend on what it names.
 */
export function transactionNeed(node: Node, facts?: RelationFacts & { relation(rv: Node): string | undefined }): { need: TransactionNeed; label?: string } {
  const kinds = kindsOf(node);
  const strict = kinds.find((k) => k.transaction === 'controls') ?? kinds.find((k) => k.transaction === 'outside') ?? kinds.find((k) => k.transaction === 'commit-before-use');
  if (strict) return { need: strict.transaction, label: strict.label };
  const cluster = node?.ClusterStmt?.relation;
  const name = cluster && facts?.relation(cluster);
  if (name && facts?.partitioned(name)) return { need: 'outside', label: `CLUSTER of the partitioned table ${name}` };
  return { need: 'any' };
}

/** The table a statement creates as a partitioned table (CREATE TABLE … PARTITION BY), resolved by `relation`. */
export function createsPartitioned(node: Node, relation: (rv: Node) => string | undefined): string | undefined {
  return node?.CreateStmt?.partspec ? relation(node.CreateStmt.relation) : undefined;
}

// Asked of every statement by plan's step analysis and again by its lint (needs-superuser): answered once per tree.
const SUPERUSER_NEEDS = new WeakMap<object, string | null>();

/** Why a statement needs a superuser, if it does. */
export function superuserNeed(node: Node): string | undefined {
  if (node === null || typeof node !== 'object') return needOfSuperuser(node);
  let why = SUPERUSER_NEEDS.get(node);
  if (why === undefined) SUPERUSER_NEEDS.set(node, (why = needOfSuperuser(node) ?? null));
  return why ?? undefined;
}

function needOfSuperuser(node: Node): string | undefined {
  const kind = firstKey(node);
  for (const k of kindsOf(node)) {
    const why = k.superuser?.(node[kind as string]);
    if (why) return why;
  }
  return undefined;
}

/** The destructive form a statement is, if any (the lint rule decides what is exempt). */
export function destructiveKind(node: Node): StatementKind | undefined {
  return kindsOf(node).find((k) => k.destroys);
}

/** True when `text` may hold a statement whose form matters before running (own transaction, none, a superuser, an enum value): else it need not be parsed. */
export function mayHoldSpecialStatement(text: string): boolean {
  return SPECIAL_WORDS.test(text);
}

const SPECIAL_WORDS = new RegExp(
  STATEMENT_KINDS.filter((k) => k.transaction !== 'any' || k.superuser).map((k) => k.words.source).join('|'),
  'i',
);
