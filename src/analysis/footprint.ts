import { searchPathAfter, statementDeps } from './dependencies';
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
      const opts = { searchPath };
      const d = statementDeps(st, opts);
      for (const ref of d.needs) this.addRef(ref, searchPath);
      for (const ref of d.creates) this.addRef(ref, searchPath);
      for (const ref of d.drops) this.addRef(ref, searchPath);
      for (const l of lockFootprint(st, opts)) this.addQualified('relation', l.table);
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
    this.addQualified(ref.kind, ref.name);
    if (!ref.implicitSchema) return;
    // An unqualified name: under each schema of the unit's search path too. Of the rest of its
    // candidates (dependencies.ts), pg_catalog and pg_temp are skipped and the bare name is no
    // object of a schema; they are not built.
    const bare = bareName(ref.name);
    for (const s of searchPath) this.add({ k: ref.kind, s, n: bare });
  }

  /** A `schema.name` (a name without a dot is no footprint object). */
  private addQualified(k: FootprintObject['k'], name: string): void {
    if (name.includes('.')) this.add({ k, s: schemaName(name), n: bareName(name) });
  }
}
