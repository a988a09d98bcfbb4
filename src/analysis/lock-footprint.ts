import { statementDeps } from './dependencies';
import { lockFootprint } from './locks';
import { LOCK_MODES, type LockMode, type LockRequest, type ParsedStatement } from './types';

const rank = (m: LockMode): number => LOCK_MODES.indexOf(m);

/**
 * Above this size a step is a data load: its footprint and the privileges it needs are not
 * worked out (its statements take their locks as they go), which keeps a 50 MB load cheap.
 */
export const FOOTPRINT_MAX_CHARS = 1 << 20;

/**
 * A step's table-lock footprint, as the runner takes it up front: per table the strongest
 * mode any statement takes, leaving out the relations the step itself creates before it
 * locks them, sorted by name so every unit takes its locks in one consistent order.
 */
export function stepFootprint(statements: readonly ParsedStatement[]): LockRequest[] {
  return mergeFootprints([collect(statements)]);
}

/** The union of footprints: per table the strongest mode, sorted by name. */
export function mergeFootprints(footprints: ReadonlyArray<readonly LockRequest[]>): LockRequest[] {
  const byTable = new Map<string, LockRequest>();
  for (const l of footprints.flat()) {
    const prev = byTable.get(l.table);
    if (!prev || rank(l.lock) > rank(prev.lock)) byTable.set(l.table, l);
  }
  return [...byTable.values()].sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
}

function collect(statements: readonly ParsedStatement[]): LockRequest[] {
  const created = new Set<string>();
  const out: LockRequest[] = [];
  for (const st of statements) {
    for (const l of lockFootprint(st)) if (!created.has(l.table)) out.push(l);
    for (const c of statementDeps(st).creates) if (c.kind === 'relation') created.add(c.name);
  }
  return out;
}

/** The table-lock modes a held or awaited lock conflicts with, per PostgreSQL's table of conflicting modes. */
export const CONFLICTS: Record<LockMode, readonly LockMode[]> = {
  'ACCESS SHARE': ['ACCESS EXCLUSIVE'],
  'ROW SHARE': ['EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ROW EXCLUSIVE': ['SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE UPDATE EXCLUSIVE': ['SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  SHARE: ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'SHARE ROW EXCLUSIVE': ['ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  EXCLUSIVE: ['ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'],
  'ACCESS EXCLUSIVE': LOCK_MODES,
};
