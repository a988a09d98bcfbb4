import type { Rule } from './rule';

/**
 * CREATE INDEX takes a SHARE lock: reads go on, but every INSERT, UPDATE and
 * DELETE on the table waits for the whole build. Harmless on a new or empty
 * table; on a populated one the caller's row estimate says how long.
 */
export const indexWithoutConcurrently: Rule = ({ file, stmt, model, names, ctx }) => {
  const idx = stmt.node?.IndexStmt;
  if (!idx || idx.concurrent) return [];
  const table = names.relation(idx.relation)?.name;
  if (!table || model.createdRelations.has(table)) return [];
  const rows = ctx.tableRows?.(table);
  if (rows === undefined || rows <= 0) return [];
  return [
    {
      rule: 'index-without-concurrently',
      severity: 'warning',
      file,
      line: stmt.line,
      message:
        `CREATE INDEX${idx.idxname ? ` ${idx.idxname}` : ''} on ${table} (about ${rows.toLocaleString('en-US')} rows) ` +
        `without CONCURRENTLY blocks all writes to the table until the index is built. ` +
        `Prefer CREATE INDEX CONCURRENTLY in a unit of its own, run outside a transaction.`,
    },
  ];
};
