import { superuserNeed } from '../statement-kinds';
import type { Rule } from './rule';

/**
 * A statement only a superuser may run (a write to a system catalog, DISABLE TRIGGER ALL,
 * an untrusted extension, …): a DBA should know before the run, and `plan` checks the role.
 */
export const needsSuperuser: Rule = ({ file, stmt }) => {
  const why = superuserNeed(stmt.node);
  if (!why) return [];
  return [{ rule: 'needs-superuser', severity: 'warning', file, line: stmt.line, message: `needs a superuser: ${why}.` }];
};
