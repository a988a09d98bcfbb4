import { isApplied, type UnitRecord } from './history';
import { compareUnits, resolveUnit, type Unit } from './units';

/** A migration a phase wraps has the phase folder (`03-name`) among its aliases; a diesel version (`2024-01-01-000000`) is no phase. */
const wrappedByPhase = (u: Unit) => u.aliases.some((a) => /^\d+-.*[a-z]/.test(a));

/**
 * Units that need `target`: those declaring it (transitively) in dependsOn, and, among
 * plain migrations, every later one (a migration may build on anything before it).
 */
export function dependantsOf(target: Unit, units: readonly Unit[]): Unit[] {
  const out = new Set<Unit>();
  const visit = (t: Unit) => {
    for (const u of units) {
      if (u === t || out.has(u)) continue;
      const declared = u.dependsOn.some((d) => safeResolve(units, d) === t);
      const later = t.kind === 'migration' && u.kind === 'migration' && compareUnits(u, t) > 0 && !wrappedByPhase(t) && !wrappedByPhase(u);
      if (declared || later) {
        out.add(u);
        visit(u);
      }
    }
  };
  visit(target);
  return [...out];
}

/** The applied dependants, newest first by their position in the sequence. */
export function appliedDependants(target: Unit, units: readonly Unit[], states: Map<string, UnitRecord>): Unit[] {
  return dependantsOf(target, units)
    .filter((u) => isApplied(states.get(u.name)))
    .sort((a, b) => units.indexOf(b) - units.indexOf(a));
}

function safeResolve(units: readonly Unit[], ref: string): Unit | undefined {
  try {
    return resolveUnit(units, ref);
  } catch {
    return undefined;
  }
}
