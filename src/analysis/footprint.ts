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

/** A unit's footprint, told one step at a time (up, then down): the up step's part can be kept without its parse tree. */
export class FootprintOf {
  private readonly objects = new Map<string, FootprintObject>();
  private readonly reach = new Set<string>();
  private opaque = false;

  addStep(statements: readonly ParsedStatement[]): void {
    let searchPath = ['public'];
    for (const st of statements) {
      const d = statementDeps(st, { searchPath });
      for (const ref of [...d.needs, ...d.creates, ...d.drops]) this.addRef(ref, searchPath);
      for (const l of lockFootprint(st, { searchPath })) this.addRef({ kind: 'relation', name: l.table }, searchPath);
      if (d.opaque) {
        this.opaque = true;
        searchPath.forEach((s) => this.reach.add(s));
      }
      searchPath = searchPathAfter(st, searchPath);
    }
  }

  result(): UnitFootprint {
    const schemas = this.opaque ? [...this.reach].filter((s) => !skipped(s)).sort() : [];
    return { objects: [...this.objects.values()], schemas };
  }

  private add(o: FootprintObject): void {
    if (skipped(o.s ?? o.n)) return;
    this.objects.set(`${o.k}\0${o.s ?? ''}\0${o.n}`, o);
    this.reach.add(o.s ?? o.n);
  }

  private addRef(ref: ObjectRef, searchPath: string[]): void {
    if (ref.kind === 'schema') return this.add({ k: 'schema', n: ref.name });
    if (ref.kind !== 'relation' && ref.kind !== 'type' && ref.kind !== 'function') return;
    // An unqualified name: under each schema of the unit's search path (candidates also
    // lists pg_catalog, pg_temp and the bare name, which are not footprints of a unit).
    for (const c of candidates(ref, searchPath)) {
      if (c.name.includes('.')) this.add({ k: ref.kind, s: schemaName(c.name), n: bareName(c.name) });
    }
  }
}
