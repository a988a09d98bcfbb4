import { RollbackSignal, serverErrorMessage, serverErrorPosition, type Session, type Timeouts } from '../db/session';
import type { Unit, UnitFile } from '../engine/units';
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
