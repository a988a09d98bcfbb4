import { parseSql } from '../analysis/parse';
import type { UnitFile } from '../engine/units';

/**
 * The sectioned behaviour format (docs/UNITS.md, "Behavioural checks"):
 *
 *   -- setup                                   (optional marker; what precedes the first check)
 *   INSERT … fixtures …;
 *   -- check: NAME task: N
 *   -- object: trigger t on public.x            (optional: what misbehaves when it fails)
 *   UPDATE …; SELECT ok, detail [, expected, found, object] …;
 *
 * Each check's last statement returns one or more rows; the check passes when every row's
 * `ok` is true.
 */
const CHECK_MARKER = /^\s*--\s*check:\s*(.+?)\s+task:\s*(\d+)\s*$/;
const OBJECT_MARKER = /^\s*--\s*object:\s*(.+?)\s*$/;

export interface Statement {
  text: string;
  line: number;
}

export interface Section {
  /** 1-based lines of the file the section spans. */
  from: number;
  to: number;
  /** Its text, with the lines before it blanked, so positions in it are the file's. */
  padded: string;
}

export interface CheckSection extends Section {
  name: string;
  task: number;
  object?: string;
}

export interface BehaviourSections {
  setup: Section;
  checks: CheckSection[];
}

/** True when the file uses `-- check:` markers (else it is the older one-result-set script). */
export function isSectioned(file: UnitFile): boolean {
  return file.text.split('\n').some((l) => CHECK_MARKER.test(l));
}

export function behaviourSections(file: UnitFile): BehaviourSections {
  const lines = file.text.split('\n');
  const section = (from: number, to: number): Section => ({
    from, to, padded: '\n'.repeat(from - 1) + lines.slice(from - 1, to).join('\n'),
  });
  const starts: Array<{ line: number; name: string; task: number }> = [];
  lines.forEach((l, i) => {
    const m = CHECK_MARKER.exec(l);
    if (m) starts.push({ line: i + 1, name: m[1].trim(), task: Number(m[2]) });
  });
  const setupEnd = starts.length ? starts[0].line - 1 : lines.length;
  const checks = starts.map((s, k): CheckSection => {
    const to = k + 1 < starts.length ? starts[k + 1].line - 1 : lines.length;
    const object = lines.slice(s.line, to).map((l) => OBJECT_MARKER.exec(l)).find((m) => m)?.[1];
    return { ...section(s.line, to), name: s.name, task: s.task, ...(object ? { object } : {}) };
  });
  return { setup: section(1, setupEnd), checks };
}

/** The section's statements with their lines in the file; a syntax error is thrown with its line. */
export async function sectionStatements(file: UnitFile, s: Section): Promise<Statement[]> {
  const parsed = await parseSql(file.path, s.padded);
  if (!parsed.ok) throw new SectionSyntaxError(parsed.error.line, parsed.error.message);
  return parsed.statements.map((st) => ({ text: st.text, line: st.line }));
}

export class SectionSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(`syntax error: ${message}`);
  }
}
