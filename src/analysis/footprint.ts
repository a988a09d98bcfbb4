import { candidates, searchPathAfter, statementDeps } from './dependencies';
import { lockFootprint } from './locks';
import { bareName, schemaName, SYSTEM_SCHEMAS } from './names';
import type { ObjectRef, ParsedStatement } from './types';

/** One object of a unit's footprint, as migrate.footprint (src/engine/unit-state.sql) looks it up. */
export interface FootprintObject {
  k: 'relation' | 'type' | 'function' | 'schema';
  /** Schema; absent for a schema itself. */
  s?: string;
  n: string;
}

/**
 * The objects a unit's statements create, alter, drop or read, in its up and down steps, under
 * each schema an unqualified name may resolve to; their parts (columns, constraints, indexes,
 * triggers, policies, a view's body) come with them server-side. `schemas` is set when a
 * statement runs SQL the analysis cannot see (dynamic SQL in a DO block, CALL, an unknown
 * extension): then every object of the schemas the unit can reach is in the footprint.
 */
export interface UnitFootprint {
  objects: FootprintObject[];
  schemas: string[];
}

/** The runner's own schema is never part of a footprint: the proof's own rows live there. */
const OWN_SCHEMA = 'migrate';

const skipped = (schema: string): boolean => schema === OWN_SCHEMA || schema === 'pg_temp' || SYSTEM_SCHEMAS.has(schema);

export function unitFootprint(steps: ReadonlyArray<readonly ParsedStatement[]>): UnitFootprint {
  const objects = new Map<string, FootprintObject>();
  const reach = new Set<string>();
  let opaque = false;
  const add = (o: FootprintObject) => {
    if (skipped(o.s ?? o.n)) return;
    objects.set(`${o.k}\0${o.s ?? ''}\0${o.n}`, o);
    reach.add(o.s ?? o.n);
  };
  const addRef = (ref: ObjectRef, searchPath: string[]) => {
    if (ref.kind === 'schema') return add({ k: 'schema', n: ref.name });
    if (ref.kind !== 'relation' && ref.kind !== 'type' && ref.kind !== 'function') return;
    // An unqualified name: under each schema of the unit's search path (candidates also
    // lists pg_catalog, pg_temp and the bare name, which are not footprints of a unit).
    for (const c of candidates(ref, searchPath)) {
      if (c.name.includes('.')) add({ k: ref.kind, s: schemaName(c.name), n: bareName(c.name) });
    }
  };
  for (const statements of steps) {
    let searchPath = ['public'];
    for (const st of statements) {
      const d = statementDeps(st, { searchPath });
      for (const ref of [...d.needs, ...d.creates, ...d.drops]) addRef(ref, searchPath);
      for (const l of lockFootprint(st, { searchPath })) addRef({ kind: 'relation', name: l.table }, searchPath);
      if (d.opaque) {
        opaque = true;
        searchPath.forEach((s) => reach.add(s));
      }
      searchPath = searchPathAfter(st, searchPath);
    }
  }
  const schemas = opaque ? [...reach].filter((s) => !skipped(s)).sort() : [];
  return { objects: [...objects.values()], schemas };
}
