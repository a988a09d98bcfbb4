import type { CheckStatus, Evidence, TaskCheck } from './tasks';

/**
 * Words a unit's verify.sql may use for what its expect.json also declares, rewritten to
 * one wording: "table public.t exists" and "table t" are "table t", "RLS enabled on s.t"
 * is "rls t". Object names lose their schema: within one unit and task, two objects of
 * one kind and name in two schemas would be merged, and still report the worse finding.
 * Engine-generic: it knows object kinds, not objects.
 */
const SAME_SUBJECT: Array<[RegExp, string]> = [
  [/\s*->\s*/g, ' → '],
  [/ exists$/, ''],
  [/^rls enabled on /, 'rls '],
  [/^\d+ (triggers|policies) on /, '$1 on '],
  [/^(foreign key .*) on delete [a-z ]+$/, '$1'],
  [/^(function \S+\(.*?\)) returns .*$/, '$1'],
  [/^(schema|role|table|index|function|enum|rls|policies on|triggers on|grants on) [a-z_][a-z0-9_$]*\.(?=[a-z_])/, '$1 '],
  [/^(foreign key )[a-z_][a-z0-9_$]*\.(\S+\(.*?\) → )(?:[a-z_][a-z0-9_$]*\.)?/, '$1$2'],
];

/** What a check is about: its task, its unit, and its name in the expectations' wording. */
export function checkIdentity(c: TaskCheck): string {
  let subject = c.name.trim().toLowerCase();
  for (const [pattern, replacement] of SAME_SUBJECT) subject = subject.replace(pattern, replacement);
  return `${c.task}|${c.unit ?? ''}|${subject}`;
}

/** Which finding a merged check reports: the worst one. */
const RANK: Record<CheckStatus, number> = { blocked: 4, fail: 3, pass: 2, skipped: 1, 'n/a': 0 };

/**
 * One check per identity. Checks of one identity from several sources (expect.json and
 * verify.sql) become one: named as the first, with the worst status, and each source's
 * finding kept as evidence. Order is that of each identity's first check.
 */
export function mergeDuplicates(checks: readonly TaskCheck[]): TaskCheck[] {
  const groups = new Map<string, TaskCheck[]>();
  for (const c of checks) {
    const id = checkIdentity(c);
    const group = groups.get(id);
    if (group) group.push(c);
    else groups.set(id, [c]);
  }
  return [...groups.values()].map((group) => (group.length === 1 ? group[0] : merge(group)));
}

/** Each source's words once: a detail that another one starts with says nothing more. */
function withoutRepeats(details: string[]): string[] {
  const unique = [...new Set(details)];
  return unique.filter((d) => !unique.some((o) => o !== d && o.startsWith(d)));
}

function merge(group: TaskCheck[]): TaskCheck {
  const status = group.reduce<CheckStatus>((worst, c) => (RANK[c.status] > RANK[worst] ? c.status : worst), group[0].status);
  const deciding = group.filter((c) => c.status === status);
  const missing = [...new Set(group.flatMap((c) => c.missing ?? []))];
  const evidence: Evidence[] = group.map((c) => ({ source: c.source, name: c.name, status: c.status, detail: c.detail, ...(c.query ? { query: c.query } : {}) }));
  return {
    ...group[0],
    status,
    detail: withoutRepeats(deciding.map((c) => c.detail)).join('; '),
    expected: group.find((c) => c.expected)?.expected,
    object: (deciding.find((c) => c.object) ?? group.find((c) => c.object))?.object,
    found: (deciding.find((c) => c.found) ?? group.find((c) => c.found))?.found,
    sql: [...new Set(group.flatMap((c) => (c.sql ? [c.sql] : [])))].join(';\n') || undefined,
    query: [...new Set(group.flatMap((c) => (c.query ? [c.query] : [])))].join('; ') || undefined,
    ...(missing.length ? { missing } : {}),
    evidence,
  };
}
