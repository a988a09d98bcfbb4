import { PlanNeeds } from '../analysis/privileges';
import type { LockRequest, ParsedStatement } from '../analysis/types';
import { extensionAvailability, missingPrivileges } from '../db/privileges';
import { serverFacts } from '../db/server-facts';
import type { Session } from '../db/session';
import { WRITE_CHECK, writeCheck, writeFacts } from '../db/writable';
import { BlockedError } from '../errors';
import { blockersOf, liveLocksCheck, LIVE_LOCKS_CHECK, type BlockingOptions, type PreflightCheck } from './blocking';

/** The oldest major the runner checks syntax for (engine/syntax.ts grammars: 13, 15, 16, 17). */
export const MIN_SERVER_MAJOR = 13;

/**
 * The named checks before the first change, from the pending units' parsed up steps: server
 * version, the database takes writes, the connected user's privileges for what the plan does,
 * the extensions it creates are available; with `liveLocks`, one look at the sessions in the
 * way of the plan's tables (a run waits for them instead: engine/blocking.ts).
 */
export async function namedChecks(s: Session, steps: ReadonlyArray<readonly ParsedStatement[]>, liveLocks?: LiveLocks): Promise<PreflightCheck[]> {
  const plan = new PlanNeeds();
  steps.forEach((st) => plan.add(st));
  return namedChecksOf(s, plan, liveLocks);
}

type LiveLocks = { tables: readonly LockRequest[]; blocking: Pick<BlockingOptions, 'policy' | 'exclude'> };

/** namedChecks from what the steps need, told to `plan` step by step (engine/run-plan.ts keeps no parse tree). */
export async function namedChecksOf(s: Session, plan: PlanNeeds, liveLocks?: LiveLocks): Promise<PreflightCheck[]> {
  const server = await serverFacts(s);
  const checks: PreflightCheck[] = [
    { name: 'server version', ok: server.major >= MIN_SERVER_MAJOR, detail: `PostgreSQL ${server.version}${server.major >= MIN_SERVER_MAJOR ? '' : `; the runner needs ${MIN_SERVER_MAJOR} or later`}` },
    { name: WRITE_CHECK, ...writeCheck(await writeFacts(s)) },
  ];
  const needs = plan.privileges();
  const missing = await missingPrivileges(s, needs);
  checks.push({
    name: 'privileges',
    ok: missing.length === 0,
    detail: missing.length
      ? `${server.role} lacks ${missing.map((m) => `${m.privilege} on ${m.on === 'database' ? 'the database' : `${m.on} ${m.name}`} (${m.why})`).join('; ')}`
      : `${server.role}${server.superuser ? ' is a superuser' : ` has the ${needs.length} privilege(s) the plan needs on existing objects`}`,
  });
  const wanted = plan.extensions();
  const ext = await extensionAvailability(s, wanted);
  checks.push({
    name: 'extensions',
    ok: ext.missing.length === 0,
    detail: wanted.length === 0 ? 'the plan creates no extension'
      : ext.missing.length ? `not available on this server: ${ext.missing.join(', ')} (install its package on the server first)`
      : `available: ${wanted.map((n) => `${n}${ext.installed.includes(n) ? ' (installed)' : ''}`).join(', ')}`,
  });
  if (liveLocks) checks.push(liveLocksCheck(liveLocks.tables, await blockersOf(s, liveLocks.tables, liveLocks.blocking)));
  return checks;
}

/** A run refuses (exit 3, nothing changed) when a check other than the live locks (which it waits for) fails. */
export function refuseFailedChecks(checks: readonly PreflightCheck[]): void {
  const failed = checks.filter((c) => !c.ok && c.name !== LIVE_LOCKS_CHECK);
  if (failed.length === 0) return;
  throw new BlockedError(`preflight failed: ${failed.map((c) => c.name).join(', ')}; nothing was changed`, 'fix what is listed, then run again (`migrate plan` shows every check)', failed.map((c) => `${c.name}: ${c.detail}`));
}
