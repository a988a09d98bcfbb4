import { statementDeps } from './dependencies';
import { lockFootprint } from './locks';
import { schemaName } from './names';
import type { LockRequest, ParsedStatement } from './types';

/** A privilege the connected user needs for what a plan does, on an object that exists before it. */
export interface PrivilegeNeed {
  on: 'table' | 'schema' | 'database';
  /** Schema-qualified for a table; the schema's name; '' for the current database. */
  name: string;
  /** A table privilege (INSERT, REFERENCES, …), CREATE on a schema or the database, or OWNER (ALTER, CREATE INDEX, DROP…). */
  privilege: string;
  /** Why, e.g. "ALTER TABLE ADD COLUMN" or "foreign key from new table public.x". */
  why: string;
}

/** What a table lock's reason says the statement needs there (analysis/locks.ts reasons). */
function tableNeed(l: LockRequest): string {
  const r = l.reason;
  if (r === 'INSERT' || r === 'UPDATE' || r === 'DELETE' || r === 'TRUNCATE') return r;
  if (r.startsWith('foreign key')) return 'REFERENCES';
  if (r.startsWith('CREATE TRIGGER')) return 'TRIGGER';
  if (r.startsWith('read by') || r === 'SELECT' || r.startsWith('referenced by') || r.includes('(LIKE it)') || r.startsWith('SELECT …')) return 'SELECT';
  if (r === 'MERGE') return 'UPDATE';
  return 'OWNER';
}

/**
 * What a plan needs, told one step at a time in order, so a caller can let each step's parse
 * tree go before the next one is parsed. privileges(): on each table it locks that it did not
 * create itself, the privilege that lock's statement needs; CREATE on each schema it creates
 * objects in (unless it creates the schema too); CREATE on the database for a new schema; what
 * objects the steps create are left to the caller to tell apart from existing ones.
 * extensions(): the extensions the steps create (CREATE EXTENSION), by name.
 */
export class PlanNeeds {
  private readonly created = new Set<string>();
  private readonly createdSchemas = new Set<string>();
  private readonly out = new Map<string, PrivilegeNeed>();
  private readonly exts = new Set<string>();

  add(statements: readonly ParsedStatement[]): void {
    const add = (n: PrivilegeNeed) => {
      const key = `${n.on}:${n.name}:${n.privilege}`;
      if (!this.out.has(key)) this.out.set(key, n);
    };
    for (const st of statements) {
      for (const l of lockFootprint(st)) if (!this.created.has(l.table) && !l.table.startsWith('pg_temp.')) add({ on: 'table', name: l.table, privilege: tableNeed(l), why: l.reason });
      for (const c of statementDeps(st).creates) {
        if (c.kind === 'schema') {
          this.createdSchemas.add(c.name);
          add({ on: 'database', name: '', privilege: 'CREATE', why: `CREATE SCHEMA ${c.name}` });
        } else if (c.kind === 'relation' || c.kind === 'function' || c.kind === 'type') {
          if (c.kind === 'relation') this.created.add(c.name);
          const schema = schemaName(c.name);
          if (schema && schema !== 'pg_temp' && !this.createdSchemas.has(schema)) add({ on: 'schema', name: schema, privilege: 'CREATE', why: `creates ${c.kind} ${c.name}` });
        }
      }
      const ext = st.node?.CreateExtensionStmt?.extname;
      if (typeof ext === 'string') this.exts.add(ext);
    }
  }

  privileges(): PrivilegeNeed[] {
    return [...this.out.values()];
  }

  extensions(): string[] {
    return [...this.exts];
  }
}
