import { serverErrorMessage, serverErrorPosition, type Session, type Timeouts } from '../db/session';
import { isApplied, type UnitRecord } from '../engine/history';
import type { Unit, UnitFile } from '../engine/units';
import { declaredBehaviourChecks, rehearseRollbacks, runBehaviour } from './behaviour';
import { derivedChecks } from './derive';
import { checkExpectations, mergeExpectations, snapshot, TASK } from './expectations';
import { readinessChecks, type ServerFacts } from './readiness';
import { fromResult, inferTask, validTask, type TaskCheck } from './tasks';
import { at, lineOfCheck, shownPath } from './where';

export interface CollectOptions {
  /** Skip every check that writes (behaviour files, rollback rehearsal). */
  readOnly: boolean;
  /** Timeouts of the writing checks: a short lock_timeout, so a busy table reports instead of waiting. */
  checkTimeouts: Timeouts;
}

const READ_ONLY_SKIP = 'skipped (--read-only): it writes inside a transaction that is rolled back, and takes locks';

/**
 * Every check of the eight tasks over the given units: declared expectations (one catalog
 * snapshot for all units), each unit's verify.sql, the engine's readiness checks, the
 * behaviour files and the rollback rehearsal. Expectations are checked whatever the
 * history says, so a database where nothing was applied reports what is missing.
 */
export async function collectChecks(s: Session, units: readonly Unit[], states: Map<string, UnitRecord>, facts: ServerFacts, o: CollectOptions): Promise<TaskCheck[]> {
  const checks: TaskCheck[] = [];
  // A skippable unit that was not applied (e.g. smoke-test data) is not expected to be there.
  const expected = units.filter((u) => isApplied(states.get(u.name)) || !u.skippable);

  const snap = await snapshot(s, mergeExpectations(expected.flatMap((u) => (u.expect ? [u.expect] : []))));
  const missingByUnit = new Map<string, string[]>();
  for (const u of expected) {
    if (u.expect) {
      const results = await checkExpectations(s, u.expect, snap, u.expectFile);
      checks.push(...results.map((c) => fromResult(c, 'expect', u.name, TASK.readiness)));
      const missing = [
        ...Object.keys(u.expect.tables ?? {}).filter((t) => !snap.tables.has(t)).map((t) => `table ${t}`),
        ...results.flatMap((c) => c.blocked ?? []),
      ];
      missingByUnit.set(u.name, [...new Set(missing)]);
    }
    if (u.verify) checks.push(...(await runVerifyHook(s, u, u.verify)));
  }
  // What each unit's own SQL declares, against the server's definitions.
  const derived = await derivedChecks(s, expected);
  checks.push(...derived);
  for (const c of derived) {
    if (!c.unit || !/^table /.test(c.name) || !/ is missing$/.test(c.detail)) continue;
    missingByUnit.set(c.unit, [...new Set([...(missingByUnit.get(c.unit) ?? []), c.object ?? c.name])]);
  }

  checks.push(...readinessChecks(facts, units, states));

  for (const u of expected) {
    if (!u.behaviour) continue;
    const missing = missingByUnit.get(u.name) ?? [];
    const base = { source: 'behaviour' as const, unit: u.name, query: shownPath(u.behaviour.path) };
    const planned = declaredBehaviourChecks(u, u.behaviour);
    if (missing.length > 0) {
      for (const c of planned) {
        checks.push({ ...base, ...c, status: 'blocked', detail: `not run: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`, missing });
      }
    } else if (o.readOnly) {
      for (const c of planned) checks.push({ ...base, ...c, status: 'skipped', detail: READ_ONLY_SKIP });
    } else {
      checks.push(...(await runBehaviour(s, u, u.behaviour, o.checkTimeouts)));
    }
  }

  checks.push(...(await rollbackChecks(s, units, states, o)));
  return checks;
}

/** Task 8: a down for every applied unit, and (unless read-only) a rehearsal of them all, newest first. */
async function rollbackChecks(s: Session, units: readonly Unit[], states: Map<string, UnitRecord>, o: CollectOptions): Promise<TaskCheck[]> {
  const order = new Map(units.map((u, i) => [u.name, i]));
  // `at` is always 'YYYY-MM-DDTHH:MI:SS.MSZ' (history.ts): code-unit order is time order. localeCompare
  // would give the same order but load ICU's collation data (about 3 MiB of resident memory).
  const newer = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const applied = units
    .filter((u) => isApplied(states.get(u.name)))
    .sort((a, b) => newer(states.get(b.name)!.at, states.get(a.name)!.at) || order.get(b.name)! - order.get(a.name)!);
  if (applied.length === 0) {
    return [{ task: TASK.rollback, name: 'rollback', status: 'n/a', detail: 'never applied: no unit has been applied, so there is nothing to roll back', source: 'rollback', query: 'migrate.history: latest event per unit' }];
  }
  const out: TaskCheck[] = applied.map((u) => ({
    task: TASK.rollback,
    name: `down step of ${u.name}`,
    status: u.down ? 'pass' : 'fail',
    detail: u.down ? `present: ${shownPath(u.down.path)}` : `no down step: ${u.name} cannot be rolled back (write ${u.kind === 'phase' ? 'down.sql in its folder' : `${u.name}.down.sql`})`,
    source: 'rollback',
    unit: u.name,
    expected: 'a down step for every applied unit',
    query: `file ${u.down ? shownPath(u.down.path) : `beside ${shownPath(u.up.path)}`}`,
  }));
  if (o.readOnly) {
    out.push(...applied.map((u): TaskCheck => ({ task: TASK.rollback, name: `rehearsed rollback of ${u.name}`, status: 'skipped', detail: READ_ONLY_SKIP, source: 'rollback', unit: u.name, query: u.down ? shownPath(u.down.path) : undefined })));
  } else {
    out.push(...(await rehearseRollbacks(s, applied, o.checkTimeouts)));
  }
  return out;
}

/** A unit's verify.sql: one query of rows (check, ok, detail) and optionally task; a row without task is placed by its words. */
async function runVerifyHook(s: Session, unit: Unit, file: UnitFile): Promise<TaskCheck[]> {
  let rows: Array<{ task?: unknown; check?: unknown; ok?: unknown; detail?: unknown }>;
  try {
    rows = await s.query(file.text);
  } catch (err) {
    const pos = serverErrorPosition(err, file.text, shownPath(file.path));
    const busy = (err as { code?: string }).code === '55P03';
    const detail = busy ? `could not check: busy (${serverErrorMessage(err)})` : `failed at ${pos.file}${pos.line ? `:${pos.line}` : ''}: ${serverErrorMessage(err)}`;
    return [{ task: TASK.readiness, name: `verify of ${unit.name}`, status: 'fail', detail, source: 'verify', unit: unit.name, query: at(file, pos.line) }];
  }
  return rows.map((r) => {
    if (typeof r.ok !== 'boolean' || r.check == null) {
      return { task: TASK.readiness, name: `verify of ${unit.name}`, status: 'fail', detail: `${shownPath(file.path)}: a check query must return columns "check" (text), ok (boolean), detail (text)`, source: 'verify', unit: unit.name, query: shownPath(file.path) };
    }
    const check = String(r.check);
    const task = r.task != null && validTask(Number(r.task)) ? Number(r.task) : inferTask(check);
    return { task, name: check, status: r.ok ? 'pass' : 'fail', detail: r.detail == null ? '' : String(r.detail), source: 'verify', unit: unit.name, query: at(file, lineOfCheck(file, check)) };
  });
}
