import { BlockedError } from '../errors';
import type { Session } from './session';

/** What decides whether the server takes writes from this session. */
export interface WriteFacts {
  inRecovery: boolean;
  transactionReadOnly: boolean;
  defaultTransactionReadOnly: boolean;
}

/** Why the server would refuse writes, one phrase each; empty when it takes them. */
export function readOnlyReasons(f: WriteFacts): string[] {
  return [
    f.inRecovery ? 'the server is a standby in recovery (pg_is_in_recovery())' : '',
    f.transactionReadOnly ? 'transaction_read_only is on' : '',
    f.defaultTransactionReadOnly ? 'default_transaction_read_only is on' : '',
  ].filter(Boolean);
}

export const WRITE_CHECK = 'database accepts writes';

/** The check "database accepts writes" as plan and verify show it. */
export function writeCheck(f: WriteFacts): { ok: boolean; detail: string } {
  const reasons = readOnlyReasons(f);
  return { ok: reasons.length === 0, detail: reasons.length ? reasons.join('; ') : 'not in recovery; transaction_read_only and default_transaction_read_only are off' };
}

export async function writeFacts(s: Session): Promise<WriteFacts> {
  const [row] = await s.query<{ r: boolean; t: string; d: string }>(
    "select pg_is_in_recovery() as r, current_setting('transaction_read_only') as t, current_setting('default_transaction_read_only') as d",
  );
  return { inRecovery: row.r, transactionReadOnly: row.t === 'on', defaultTransactionReadOnly: row.d === 'on' };
}

/**
 * Before a command that writes takes its lock or creates the history: a standby or a
 * read-only database is refused (exit 3), rather than failing on the first write. A
 * read-only default is usually set on purpose (a freeze, a database being moved), so the
 * runner does not override it for its own session.
 */
export async function refuseReadOnly(s: Session): Promise<void> {
  const facts = await writeFacts(s);
  const reasons = readOnlyReasons(facts);
  if (reasons.length === 0) return;
  throw new BlockedError(`the database does not accept writes: ${reasons.join('; ')}; nothing was changed`,
    facts.inRecovery
      ? 'connect to the primary: a standby cannot be changed'
      : 'it is set for the database or the role (ALTER DATABASE … SET / ALTER ROLE … SET default_transaction_read_only); lift it (… RESET default_transaction_read_only) once writes are allowed again');
}
