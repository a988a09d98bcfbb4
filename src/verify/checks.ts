/** One named check result, the row shape of every precheck.sql / verify.sql. */
export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
  /** Which of the eight validation tasks it belongs to, when known. */
  task?: number;
  /**
   * Set when the check could not be made because objects it depends on do not exist
   * (e.g. the table a policy belongs to): their names. The check is then "blocked".
   */
  blocked?: string[];
  /** What the check wants, in words, where it knows (declared checks). */
  expected?: string;
  /** The catalog or file it read, for the report's evidence. */
  query?: string;
}

export function failed(checks: readonly CheckResult[]): CheckResult[] {
  return checks.filter((c) => !c.ok);
}

export function summarize(checks: readonly CheckResult[]): string {
  const bad = failed(checks);
  return bad.length === 0 ? `${checks.length} checks passed` : bad.map((c) => `${c.check}: ${c.detail}`).join('; ');
}
