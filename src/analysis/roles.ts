import type { RoleAccess } from '../db/role-access';
import type { Unit, UnitFile } from '../engine/units';
import { statementDeps } from './dependencies';
import { parseSql } from './parse';
import type { Finding, ParsedStatement } from './types';

/** A statement `SET [LOCAL | SESSION] ROLE x` in a unit's file: whoever runs that file must be allowed to be x. */
export interface RoleSwitch {
  role: string;
  file: string;
  line: number;
  /** Which of the unit's files: the up step of a pending unit fails the run; a check file fails that check. */
  step: 'up' | 'precheck' | 'verify' | 'behaviour';
}

/**
 * Every SET ROLE in the check files of `units` (precheck, verify, behaviour) and in the up
 * steps of `pending`, found by the parser; top-level statements only (a DO block is opaque).
 * `parsed` holds files the caller has parsed already (plan: every pending step), not parsed again.
 */
export async function roleSwitches(units: readonly Unit[], pending: readonly Unit[], parsed?: ReadonlyMap<UnitFile, ParsedStatement[]>): Promise<RoleSwitch[]> {
  const files: Array<[UnitFile | undefined, RoleSwitch['step']]> = [
    ...units.flatMap((u) => [[u.precheck, 'precheck'], [u.verify, 'verify'], [u.behaviour, 'behaviour']] as Array<[UnitFile | undefined, RoleSwitch['step']]>),
    ...pending.map((u) => [u.up, 'up'] as [UnitFile, RoleSwitch['step']]),
  ];
  const out: RoleSwitch[] = [];
  const seen = new Set<string>();
  for (const [file, step] of files) {
    if (!file || seen.has(file.path)) continue;
    seen.add(file.path);
    const statements = parsed?.get(file) ?? (await statementsOf(file));
    for (const st of statements) {
      if (st.kind !== 'VariableSetStmt' || st.node.VariableSetStmt?.name !== 'role') continue;
      for (const ref of statementDeps(st).needs) if (ref.kind === 'role') out.push({ role: ref.name, file: file.path, line: st.line, step });
    }
  }
  return out;
}

/** What the parser read of a file: all its statements, or those before a syntax error. */
async function statementsOf(file: UnitFile): Promise<ParsedStatement[]> {
  const r = await parseSql(file.path, file.text);
  return r.ok ? r.statements : r.parsedBefore;
}

const ACTS = {
  up: 'the up step runs as',
  precheck: 'the precheck runs as',
  verify: "verify's checks run as",
  behaviour: "verify's behaviour checks run as",
} as const;

/**
 * A finding for each switch the connected user may not make: a warning for a check (it will
 * fail, nothing else does), an error for an up step (the run would fail half-way). Each says
 * the GRANT a superuser can run. One per file and role, at its first switch: a behaviour file
 * switches in each of its checks, and one GRANT allows them all.
 */
export function roleSwitchFindings(switches: readonly RoleSwitch[], facts: RoleAccess): Finding[] {
  if (facts.superuser) return [];
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const s of switches) {
    const r = facts.roles.get(s.role);
    if (r?.canSet || seen.has(`${s.file}|${s.role}`)) continue;
    seen.add(`${s.file}|${s.role}`);
    const what = `${ACTS[s.step]} role ${s.role} (SET ROLE ${s.role})`;
    const why = r?.exists
      ? `but ${facts.user} is not a member of ${s.role}, so ${s.step === 'up' ? 'the run would fail there' : 'they will fail with "permission denied to set role"'}`
      : `which does not exist yet; once a unit creates it, ${facts.user} (not a superuser) must be a member of it too`;
    out.push({
      rule: 'set-role-not-allowed',
      severity: s.step === 'up' ? 'error' : 'warning',
      file: s.file,
      line: s.line,
      message: `${what}, ${why}; a superuser can allow it: ${r?.grant ?? `GRANT ${s.role} TO ${facts.user};`}`,
    });
  }
  return out;
}
