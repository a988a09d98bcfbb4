import { RollbackSignal, serverErrorMessage, serverErrorPosition, type Session, type Timeouts } from '../db/session';
import type { Unit, UnitFile } from '../engine/units';
import { behaviourSections, isSectioned, SectionSyntaxError, sectionStatements, type CheckSection, type Section } from './behaviour-sections';
import { failed, summarize } from './checks';
import { checkAbsent, TASK } from './expectations';
import { validTask, type TaskCheck } from './tasks';
import { at, lineOfCheck, shownPath } from './where';

const LOCK_NOT_AVAILABLE = '55P03';
const TASKS_HEADER = /^\s*--\s*migrate:tasks\s+(\d+(?:\s*[,\s]\s*\d+)*)/m;

/**
 * The tasks a behaviour file reports on, from its `-- migrate:tasks 2,4,6` line: where a
 * failure to run it (a missing object, a busy lock) is reported. Default: task 7.
 */
export function behaviourTasks(file: UnitFile): number[] {
  const m = TASKS_HEADER.exec(file.text);
  const tasks = m ? [...new Set(m[1].split(/[,\s]+/).map(Number))].filter(validTask) : [];
  return tasks.length > 0 ? tasks : [TASK.readiness];
}

/** The checks a behaviour file will report, to mark them blocked or skipped without running it. */
export function declaredBehaviourChecks(unit: Unit, file: UnitFile): Array<{ task: number; name: string; object?: string }> {
  if (!isSectioned(file)) return behaviourTasks(file).map((task) => ({ task, name: `behaviour of ${unit.name}` }));
  return behaviourSections(file).checks.map((c) => ({ task: validTask(c.task) ? c.task : TASK.readiness, name: c.name, ...(c.object ? { object: c.object } : {}) }));
}

/** "could not check: busy" for a lock_timeout, else the server's words with file and line. */
function describeError(err: unknown, file: UnitFile, timeouts: Timeouts): { busy: boolean; detail: string } {
  if ((err as { code?: string }).code === LOCK_NOT_AVAILABLE) {
    return { busy: true, detail: `could not check: busy (a lock was not granted within lock_timeout ${timeouts.lockTimeout}: ${serverErrorMessage(err)})` };
  }
  const pos = serverErrorPosition(err, file.text, shownPath(file.path));
  const where = pos.line ? `${pos.file}:${pos.line}${pos.column ? `:${pos.column}` : ''}` : pos.file;
  return { busy: false, detail: `failed at ${where}: ${serverErrorMessage(err)}` };
}

/**
 * Runs a unit's behaviour file in a transaction that is always rolled back, with the
 * given (short) lock_timeout. Its last statement returns (task, check, ok, detail).
 */
export async function runBehaviour(s: Session, unit: Unit, file: UnitFile, timeouts: Timeouts): Promise<TaskCheck[]> {
  if (isSectioned(file)) return runSectioned(s, unit, file, timeouts);
  const name = `behaviour of ${unit.name}`;
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await s.transaction<Array<Record<string, unknown>>>(async (tx) => {
      const result = await tx.scriptRows(file.text, file.path);
      throw new RollbackSignal(result);
    }, timeouts);
  } catch (err) {
    const { detail } = describeError(err, file, timeouts);
    return behaviourTasks(file).map((task) => ({ task, name, status: 'fail', detail, source: 'behaviour', unit: unit.name, query: shownPath(file.path) }));
  }
  const bad = rows.filter((r) => typeof r.ok !== 'boolean' || r.check == null || !validTask(Number(r.task)));
  if (rows.length === 0 || bad.length > 0) {
    const detail = rows.length === 0
      ? `${shownPath(file.path)} returned no rows: its last statement must SELECT (task, check, ok, detail)`
      : `${shownPath(file.path)} returned ${bad.length} row(s) without a task 1..8, a check and a boolean ok`;
    return behaviourTasks(file).map((task) => ({ task, name, status: 'fail', detail, source: 'behaviour', unit: unit.name, query: shownPath(file.path) }));
  }
  return rows.map((r) => ({
    task: Number(r.task),
    name: String(r.check),
    status: r.ok ? 'pass' : 'fail',
    detail: r.detail == null ? '' : String(r.detail),
    source: 'behaviour',
    unit: unit.name,
    query: at(file, lineOfCheck(file, String(r.check))),
  }));
}

const REHEARSAL_EXPECTED = 'the down step runs cleanly and removes every object the unit declares';

/**
 * Task 8's rehearsal: the down step of every applied unit, newest first, each in a
 * savepoint, all inside one transaction that is rolled back at the end. A down that
 * fails stops the rehearsal: the older units' downs depend on it.
 */
export async function rehearseRollbacks(s: Session, newestFirst: readonly Unit[], timeouts: Timeouts): Promise<TaskCheck[]> {
  return s.transaction<TaskCheck[]>(async (tx) => {
    const out: TaskCheck[] = [];
    let stoppedBy: string | undefined;
    for (const u of newestFirst) {
      const name = `rehearsed rollback of ${u.name}`;
      const base = {
        task: TASK.rollback, name, source: 'rollback' as const, unit: u.name, expected: REHEARSAL_EXPECTED,
        query: `${u.down ? shownPath(u.down.path) : 'the down step'} in a savepoint, newest unit first${u.expect ? ', then the declared objects looked up in the catalog' : ''}; all rolled back`,
      };
      if (stoppedBy) {
        out.push({ ...base, status: 'n/a', detail: `not rehearsed: ${stoppedBy}` });
        continue;
      }
      const down = u.down;
      if (!down) {
        stoppedBy = `${u.name} (newer) has no down step`;
        out.push({ ...base, status: 'fail', detail: 'no down step to rehearse' });
        continue;
      }
      const started = performance.now();
      try {
        const left = await tx.transaction(async (sp) => {
          await sp.script(down.text, down.path);
          return u.expect ? failed(await checkAbsent(sp, u.expect)) : [];
        });
        const ms = Math.round(performance.now() - started);
        if (left.length > 0) {
          stoppedBy = `the rollback of ${u.name} (newer) did not remove its objects`;
          out.push({ ...base, status: 'fail', detail: `${shownPath(down.path)} ran but ${summarize(left)}` });
        } else {
          out.push({ ...base, status: 'pass', detail: `${shownPath(down.path)} ran cleanly in ${ms} ms${u.expect ? ' and removed every declared object' : ''} (rolled back)` });
        }
      } catch (err) {
        const { busy, detail } = describeError(err, down, timeouts);
        stoppedBy = `the rollback of ${u.name} (newer) ${busy ? 'could not get its locks' : 'failed'}`;
        out.push({ ...base, status: 'fail', detail });
      }
    }
    throw new RollbackSignal(out);
  }, timeouts);
}

/** A section's statements, one round trip each, so an error names its statement's line; the last one's rows. */
async function runSection(tx: Session, file: UnitFile, section: Section): Promise<Array<Record<string, unknown>>> {
  let rows: Array<Record<string, unknown>> = [];
  for (const st of await sectionStatements(file, section)) {
    try {
      rows = await tx.scriptRows(st.text, file.path);
    } catch (err) {
      throw new StatementFailed(st.line, err);
    }
  }
  return rows;
}

class StatementFailed extends Error {
  constructor(readonly line: number, readonly failure: unknown) {
    super(serverErrorMessage(failure));
  }
}

/** "failed at file:line: the server's words", or "could not check: busy" for a lock_timeout. */
function sectionError(err: unknown, file: UnitFile, timeouts: Timeouts): { busy: boolean; detail: string } {
  if (err instanceof SectionSyntaxError) return { busy: false, detail: `failed at ${at(file, err.line)}: ${err.message}` };
  if (!(err instanceof StatementFailed)) return describeError(err, file, timeouts);
  const cause = err.failure;
  if ((cause as { code?: string }).code === LOCK_NOT_AVAILABLE) return describeError(cause, file, timeouts);
  return { busy: false, detail: `failed at ${at(file, err.line)}: ${serverErrorMessage(cause)}` };
}

function sectionText(file: UnitFile, s: Section): string {
  return file.text.split('\n').slice(s.from - 1, s.to).join('\n').trim();
}

/** A check's verdict from the rows of its last statement: every row's ok must be true. */
function verdict(c: CheckSection, rows: Array<Record<string, unknown>>, file: UnitFile): Pick<TaskCheck, 'status' | 'detail' | 'expected' | 'found' | 'object'> {
  const object = c.object;
  if (rows.length === 0) return { status: 'fail', detail: `${at(file, c.from)}: its last statement returned no rows (it must SELECT ok, detail)`, ...(object ? { object } : {}) };
  if (rows.some((r) => typeof r.ok !== 'boolean')) return { status: 'fail', detail: `${at(file, c.from)}: its last statement must return a boolean column ok`, ...(object ? { object } : {}) };
  const text = (v: unknown) => (v == null ? undefined : String(v));
  const bad = rows.filter((r) => !r.ok);
  const shown = bad.length > 0 ? bad : rows;
  const describe = (r: Record<string, unknown>) => {
    const who = text(r.object) ?? object ?? '';
    const what = text(r.detail) ?? (bad.length > 0 ? [text(r.expected) && `expected ${text(r.expected)}`, text(r.found) && `happened: ${text(r.found)}`].filter(Boolean).join('; ') : text(r.found) ?? 'ok');
    return bad.length > 0 && who ? `${who}: ${what}` : what;
  };
  const expected = [...new Set(shown.flatMap((r) => text(r.expected) ?? []))].join('; ');
  const found = [...new Set(shown.flatMap((r) => text(r.found) ?? []))].join('; ');
  const objects = [...new Set(bad.flatMap((r) => text(r.object) ?? []))];
  const named = objects.length > 0 ? objects.join(', ') : object;
  return {
    status: bad.length > 0 ? 'fail' : 'pass',
    detail: [...new Set(shown.map(describe).filter(Boolean))].join('; ') || (bad.length ? 'not ok' : 'ok'),
    ...(expected ? { expected } : {}),
    ...(found ? { found } : {}),
    ...(named ? { object: named } : {}),
  };
}

/**
 * A behaviour file with a setup and named checks: the setup, then each check in its own
 * savepoint that is rolled back after it (checks cannot disturb one another), all in one
 * transaction that is rolled back. An error fails only its check, at its line; a setup
 * that fails leaves every check "blocked", naming the setup's error.
 */
async function runSectioned(s: Session, unit: Unit, file: UnitFile, timeouts: Timeouts): Promise<TaskCheck[]> {
  const { setup, checks } = behaviourSections(file);
  const base = (c: CheckSection) => ({
    task: validTask(c.task) ? c.task : TASK.readiness, name: c.name, source: 'behaviour' as const, unit: unit.name,
    query: `${shownPath(file.path)}:${c.from}-${c.to}, after the setup ${shownPath(file.path)}:${setup.from}-${setup.to}; in a savepoint, rolled back`,
    sql: sectionText(file, c),
  });
  return s.transaction<TaskCheck[]>(async (tx) => {
    try {
      await tx.transaction(async (sp) => {
        await runSection(sp, file, setup);
      });
    } catch (err) {
      const { detail } = sectionError(err, file, timeouts);
      const missing = [`the behaviour setup (${detail})`];
      throw new RollbackSignal(checks.map((c): TaskCheck => ({ ...base(c), status: 'blocked', detail: `not run: the setup ${detail}`, missing, ...(c.object ? { object: c.object } : {}) })));
    }
    const out: TaskCheck[] = [];
    for (const c of checks) {
      try {
        const rows = await tx.transaction(async (sp) => {
          throw new RollbackSignal(await runSection(sp, file, c));
        });
        out.push({ ...base(c), ...verdict(c, rows as Array<Record<string, unknown>>, file) });
      } catch (err) {
        const { detail } = sectionError(err, file, timeouts);
        out.push({ ...base(c), status: 'fail', detail: c.object ? `${c.object}: ${detail}` : detail, ...(c.object ? { object: c.object } : {}) });
      }
    }
    throw new RollbackSignal(out);
  }, timeouts);
}
