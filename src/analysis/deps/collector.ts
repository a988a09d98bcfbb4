import type { Names } from '../names';
import type { ObjectRef, Opaque, StatementDeps } from '../types';

const key = (r: ObjectRef): string => `${r.kind}:${r.name}`;

/**
 * Accumulates one statement's needs, creates and drops, in discovery order and
 * without duplicates. Every qualified object also needs its schema, and what
 * the statement creates itself (a self-referencing foreign key) is not a need.
 */
export class DepsCollector {
  private readonly needs = new Map<string, ObjectRef>();
  private readonly creates = new Map<string, ObjectRef>();
  private readonly drops = new Map<string, ObjectRef>();
  opaque?: Opaque;

  constructor(readonly names: Names) {}

  need(ref: ObjectRef | undefined): void {
    if (!ref) return;
    // An unqualified reference names no schema; the search path decides where it resolves.
    const schema = ref.implicitSchema ? undefined : this.names.schemaOf(ref);
    if (schema) {
      const k = key(schema);
      // The schema ref is built for this need: it takes the reference's location as its own.
      if (!this.needs.has(k)) this.needs.set(k, ref.location === undefined ? schema : { kind: schema.kind, name: schema.name, location: ref.location });
    }
    const k = key(ref);
    if (!this.needs.has(k)) this.needs.set(k, ref);
  }

  create(ref: ObjectRef | undefined): void {
    if (!ref) return;
    this.need(this.names.schemaOf(ref));
    this.creates.set(key(ref), stripImplicit(ref));
  }

  drop(ref: ObjectRef | undefined): void {
    if (ref) this.drops.set(key(ref), stripImplicit(ref));
  }

  result(): StatementDeps {
    const needs: ObjectRef[] = [];
    for (const [k, r] of this.needs) if (!this.creates.has(k)) needs.push(r);
    const out: StatementDeps = { needs, creates: [...this.creates.values()], drops: [...this.drops.values()] };
    if (this.opaque) out.opaque = this.opaque;
    return out;
  }
}

/** Created objects go exactly where the name says; the flag only matters for lookups, the location only for needs. */
function stripImplicit(ref: ObjectRef): ObjectRef {
  return { kind: ref.kind, name: ref.name };
}
