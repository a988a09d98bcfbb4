import type { Session } from '../db/session';
import { UnitFailedError } from '../errors';
import type { CheckResult } from '../verify/checks';
import { checkExpectations } from '../verify/expectations';
import type { Unit, UnitFile } from './units';
import { toUnitFailed } from './failure';

/** Runs a precheck.sql / verify.sql: one query returning rows (check, ok, detail). */
export async function runCheckFile(s: Session, unit: Unit, file: UnitFile, direction: 'verify' | 'up'): Promise<CheckResult[]> {
  let rows: Array<{ check?: unknown; ok?: unknown; detail?: unknown }>;
  try {
    rows = await s.query(file.text);
  } catch (err) {
    throw toUnitFailed(unit, direction, file, err);
  }
  return rows.map((r) => {
    if (typeof r.ok !== 'boolean' || r.check === undefined) {
      throw new UnitFailedError(unit.name, direction, { file: file.path }, 'a check query must return columns "check" (text), ok (boolean), detail (text)');
    }
    return { check: String(r.check), ok: r.ok, detail: r.detail == null ? '' : String(r.detail) };
  });
}

/** The unit's verify hook: its verify.sql plus its declared expectations against the catalog. */
export async function verifyUnit(s: Session, unit: Unit): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  if (unit.verify) out.push(...(await runCheckFile(s, unit, unit.verify, 'verify')));
  if (unit.expect) out.push(...(await checkExpectations(s, unit.expect)));
  return out;
}

export function hasVerify(unit: Unit): boolean {
  return unit.verify !== undefined || unit.expect !== undefined;
}

export async function precheckUnit(s: Session, unit: Unit): Promise<CheckResult[]> {
  return unit.precheck ? runCheckFile(s, unit, unit.precheck, 'up') : [];
}
