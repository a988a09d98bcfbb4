import { cell as tableCell } from './cell';
import type { ReportContext, UnitHistory } from '../verify/report-context';
import type { CheckStatus, TaskCheck, VerifyReport } from '../verify/tasks';

const MARK: Record<CheckStatus, string> = { pass: '✅ pass', fail: '❌ fail', blocked: '⛔ blocked', skipped: '⏭ skipped', 'n/a': '➖ n/a' };
const COUNTED: readonly CheckStatus[] = ['pass', 'fail', 'blocked', 'n/a'];
/** Hex digits of a checksum in the one-page table; the appendix has them whole. */
const SHORT = 12;

const cell = (text: string | undefined) => tableCell(text, '–');

const code = (text: string) => `\`${text}\``;
const SOURCE: Record<TaskCheck['source'], string> = { expect: 'expect.json', verify: 'verify.sql', behaviour: 'behaviour', derived: 'unit SQL vs catalog', readiness: 'engine', rollback: 'rollback' };
const notPassed = (c: TaskCheck) => c.status === 'fail' || c.status === 'blocked';

/**
 * The verification report for a change ticket (`verify --format markdown --out FILE`):
 * one page of verdict, target, who and when, the units with the runs that applied them,
 * the eight tasks' counts and the checks that did not pass with their evidence; then an
 * appendix with every check and how it was checked.
 */
export function renderVerifyMarkdown(r: VerifyReport): string {
  const ids = checkIds(r);
  const checks = r.tasks.flatMap((t) => t.checks);
  const verdict = r.approved ? 'APPROVED' : 'NOT APPROVED';
  const passingTasks = r.tasks.filter((t) => t.status === 'pass').length;
  return [
    `# Verification report: ${verdict}`, '',
    `**${verdict}**: ${passingTasks}/${r.tasks.length} tasks pass; ${checks.length} checks: ${tally(checks)}.`, '',
    ...target(r.context),
    ...verifiedBy(r),
    ...units(r.context.units),
    ...taskTable(r),
    ...failures(r, ids),
    ...appendix(r, ids),
  ].join('\n');
}

/** "174 passed, 1 did not pass": the statuses that occur, in that order. */
function tally(checks: readonly TaskCheck[]): string {
  const n = (f: (c: TaskCheck) => boolean) => checks.filter(f).length;
  const parts: Array<[number, string]> = [
    [n((c) => c.status === 'pass'), 'passed'], [n(notPassed), 'did not pass'], [n((c) => c.status === 'n/a'), 'n/a'], [n((c) => c.status === 'skipped'), 'skipped (--read-only)'],
  ];
  return parts.filter(([k]) => k > 0).map(([k, what]) => `${k} ${what}`).join(', ') || 'none';
}

function target(c: ReportContext): string[] {
  const t = c.target;
  return ['## Target', '', `- ${code(t.display)}: host ${t.host}, port ${t.port}, database ${t.database}`, `- PostgreSQL ${t.serverVersion}`, ''];
}

function verifiedBy(r: VerifyReport): string[] {
  const v = r.context.verifiedBy;
  const mode = r.readOnly ? `read-only: ${r.skipped.length} writing check(s) skipped` : 'writing checks ran in transactions that were rolled back';
  return [
    '## Verified by', '',
    `- ${r.time}, ${r.durationMs} ms; ${mode}`,
    `- database user ${v.dbUser} from ${v.clientHost ?? 'a local socket'} (as the server sees it), on machine ${v.machine}, runner ${v.runnerVersion}`,
    `- verify run ${code(r.runId)}`, '',
  ];
}

function units(list: readonly UnitHistory[]): string[] {
  const runs = [...new Set(list.flatMap((u) => (u.applied ? [u.applied.runId] : [])))];
  const file = (u: UnitHistory) => (u.matches === null ? '–' : u.matches ? '✅ matches' : '❌ changed since applied');
  const row = (u: UnitHistory) => {
    const a = u.applied;
    const when = a ? a.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : undefined;
    return `| ${cell(u.unit)} | ${u.state} | ${cell(when)} | ${cell(a?.dbUser)} | ${cell(a ? a.clientHost ?? 'local socket' : undefined)} | ${a ? code(a.runId.slice(0, 8)) : '–'} | ${cell(a?.runnerVersion)} | ${code((a?.checksum ?? u.fileChecksum).slice(0, SHORT))} | ${file(u)} |`;
  };
  return [
    '## Units', '',
    runs.length ? `Applied by run${runs.length > 1 ? 's' : ''} ${runs.map(code).join(', ')}.` : 'No unit has been applied.', '',
    '| Unit | State | Applied (UTC) | By | From | Run | Runner | Checksum | File |', '|---|---|---|---|---|---|---|---|---|',
    ...list.map(row), '',
  ];
}

function taskTable(r: VerifyReport): string[] {
  const columns = r.skipped.length ? [...COUNTED, 'skipped' as const] : COUNTED;
  const count = (checks: readonly TaskCheck[], s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const all = r.tasks.flatMap((t) => t.checks);
  return [
    '## Tasks', '',
    `| # | Task | Status | ${columns.map((s) => s === 'n/a' ? 'N/A' : s[0].toUpperCase() + s.slice(1)).join(' | ')} |`,
    `|---:|---|---|${columns.map(() => '---:').join('|')}|`,
    ...r.tasks.map((t) => `| ${t.id} | ${cell(t.name)} | ${MARK[t.status]} | ${columns.map((s) => count(t.checks, s)).join(' | ')} |`),
    `| | **all** | **${r.approved ? 'APPROVED' : 'NOT APPROVED'}** | ${columns.map((s) => `**${count(all, s)}**`).join(' | ')} |`, '',
  ];
}

/** The checks that did not pass; one a row, a behaviour file blocked for several tasks once. */
function failures(r: VerifyReport, ids: Map<TaskCheck, string>): string[] {
  const rows = new Map<string, { ids: string[]; c: TaskCheck }>();
  for (const c of r.tasks.flatMap((t) => t.checks).filter(notPassed)) {
    const key = JSON.stringify([c.unit, c.name, c.status, c.detail]);
    const row = rows.get(key);
    if (row) row.ids.push(ids.get(c)!);
    else rows.set(key, { ids: [ids.get(c)!], c });
  }
  const head = ['## Checks that did not pass', ''];
  if (rows.size === 0) return [...head, 'None.', ''];
  return [
    ...head,
    '| Check | | Name | Unit | Expected | Found | How |', '|---|---|---|---|---|---|---|',
    ...[...rows.values()].map(({ ids: id, c }) => `| ${id.join(', ')} | ${MARK[c.status]} | ${cell(c.name)} | ${cell(c.unit ?? '(engine)')} | ${cell(c.expected ?? 'ok = true in its row')} | ${cell(found(c))} | ${cell(c.query)} |`),
    '',
    ...decidingSql([...rows.values()]),
  ];
}

/** The SQL that decided each failing check (a catalog read, a behaviour check's statements), to rerun by hand. */
function decidingSql(rows: Array<{ ids: string[]; c: TaskCheck }>): string[] {
  const withSql = rows.filter(({ c }) => c.sql);
  if (withSql.length === 0) return [];
  return ['### The SQL that decided them', '', ...withSql.flatMap(({ ids, c }) => [`**${ids.join(', ')}** ${cell(c.name)}${c.object ? ` (${cell(c.object)})` : ''}`, '', '```sql', c.sql!.replace(/```/g, '` ` `'), '```', ''])];
}

/** Each source's finding where a check merges several, else the detail. */
function found(c: TaskCheck): string {
  if (!c.evidence) return c.detail;
  return c.evidence.map((e) => `${SOURCE[e.source]}${e.status === c.status ? '' : ` (${e.status})`}: ${e.detail}`).join('; ');
}

function appendix(r: VerifyReport, ids: Map<TaskCheck, string>): string[] {
  const checksums = r.context.units.map((u) => `| ${cell(u.unit)} | ${u.applied?.checksum ? code(u.applied.checksum) : '–'} | ${code(u.fileChecksum)} |`);
  return [
    '## Appendix: every check and how it was checked', '',
    'Declared expectations (expect.json, at the line shown) are compared with one catalog query, SNAPSHOT_SQL in src/verify/expectations.ts;',
    'what each unit\'s own SQL creates is compared, definition by definition, with what the server prints back (DEFS_SQL in src/verify/derive/catalog.ts), both parsed;',
    'the engine\'s readiness facts come from FACTS_SQL in src/verify/readiness.ts. verify.sql and behaviour rows point at the line that names them;',
    'behaviour files and rollback rehearsals run in transactions that are rolled back.', '',
    '### Checksums (sha256 of each up file)', '',
    '| Unit | Applied | File now |', '|---|---|---|', ...checksums, '',
    '### Checks', '',
    '| Check | Status | Name | Unit | How |', '|---|---|---|---|---|',
    ...r.tasks.flatMap((t) => t.checks.map((c) => `| ${ids.get(c)} | ${MARK[c.status]} | ${cell(c.name)} | ${cell(c.unit ?? '(engine)')} | ${cell(c.query)} |`)),
    '',
  ];
}

/** "3.12": the 12th check of task 3, so a failure row points at its appendix row. */
function checkIds(r: VerifyReport): Map<TaskCheck, string> {
  return new Map(r.tasks.flatMap((t) => t.checks.map((c, i) => [c, `${t.id}.${i + 1}`] as const)));
}
