import { BUILTIN_FUNCTIONS, BUILTIN_TYPES } from './builtins';
import { Node, strings } from './ast';
import type { AnalysisOptions, ObjectRef } from './types';

/** Schemas whose objects ship with PostgreSQL and are never gaps. */
export const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/** Type names the grammar accepts that are not rows of pg_type. */
const PSEUDO_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** Roles that are not real catalog roles (PUBLIC) or are predefined `pg_*` roles. */
export function isSystemRole(name: string): boolean {
  return name === 'public' || name.startsWith('pg_');
}

/** The schemas assumed to exist unless told otherwise (one Set for every Names: it is only read). */
const ASSUMED_BY_DEFAULT: ReadonlySet<string> = new Set(['public']);

/** Languages every PostgreSQL installation has. */
export const BUILTIN_LANGUAGES = new Set(['plpgsql', 'sql', 'c', 'internal']);

/**
 * Turns the parser's name lists into normalised ObjectRefs: schema-qualified,
 * with unqualified names put in the first search-path schema, and with
 * built-ins (pg_catalog functions and types) filtered out as always present.
 */
export class Names {
  readonly searchPath: string[];
  readonly assumeSchemas: ReadonlySet<string>;

  constructor(opts: AnalysisOptions = {}) {
    this.searchPath = opts.searchPath?.length ? opts.searchPath : ['public'];
    this.assumeSchemas = opts.assumeSchemas ? new Set(opts.assumeSchemas) : ASSUMED_BY_DEFAULT;
  }

  get defaultSchema(): string {
    return this.searchPath[0];
  }

  /** ['s', 'x'] or ['x'] (the last two parts; a leading database name is ignored). */
  qualify(parts: string[], kind: 'relation' | 'type' | 'function'): ObjectRef | undefined {
    if (parts.length === 0) return undefined;
    const name = parts[parts.length - 1];
    if (parts.length >= 2) return { kind, name: `${parts[parts.length - 2]}.${name}` };
    return { kind, name: `${this.defaultSchema}.${name}`, implicitSchema: true };
  }

  /** A RangeVar body. Temporary relations live in pg_temp. */
  relation(rv: Node): ObjectRef | undefined {
    if (!rv || typeof rv.relname !== 'string') return undefined;
    if (!rv.schemaname && rv.relpersistence === 't') return at({ kind: 'relation', name: `pg_temp.${rv.relname}` }, rv.location);
    return at(this.qualify(rv.schemaname ? [rv.schemaname, rv.relname] : [rv.relname], 'relation'), rv.location);
  }

  /** A relation from a String list such as a COMMENT or DROP target. */
  relationFromList(parts: string[]): ObjectRef | undefined {
    return this.qualify(parts, 'relation');
  }

  /** A TypeName body, or undefined when the type is built in. `%TYPE` refers to a table. */
  type(tn: Node): ObjectRef | undefined {
    const parts = strings(tn?.names);
    if (tn?.pct_type) return at(this.relationFromList(parts.slice(0, -1)), tn.location);
    return at(this.typeFromList(parts), tn?.location);
  }

  typeFromList(parts: string[]): ObjectRef | undefined {
    if (parts.length === 0) return undefined;
    const last = parts[parts.length - 1];
    if (parts.length >= 2 && SYSTEM_SCHEMAS.has(parts[parts.length - 2])) return undefined;
    if (parts.length === 1 && isBuiltinType(last)) return undefined;
    return this.qualify(parts, 'type');
  }

  /** A function name list, or undefined when it resolves to a built-in. */
  func(parts: string[]): ObjectRef | undefined {
    if (parts.length === 0) return undefined;
    if (parts.length >= 2 && SYSTEM_SCHEMAS.has(parts[parts.length - 2])) return undefined;
    // pg_catalog is searched before the search path, so an unqualified built-in name is the built-in.
    if (parts.length === 1 && BUILTIN_FUNCTIONS.has(parts[0])) return undefined;
    return this.qualify(parts, 'function');
  }

  /** A RoleSpec body; PUBLIC, CURRENT_USER, SESSION_USER, CURRENT_ROLE are not roles to find. */
  role(spec: Node): ObjectRef | undefined {
    if (!spec || spec.roletype !== 'ROLESPEC_CSTRING' || typeof spec.rolename !== 'string') return undefined;
    return at(this.roleName(spec.rolename), spec.location);
  }

  roleName(name: string): ObjectRef | undefined {
    return isSystemRole(name) ? undefined : { kind: 'role', name };
  }

  schema(name: string | undefined): ObjectRef | undefined {
    if (!name || SYSTEM_SCHEMAS.has(name) || name === 'pg_temp' || this.assumeSchemas.has(name)) return undefined;
    return { kind: 'schema', name };
  }

  /** The schema that a qualified relation, type or function lives in, if it must be checked. */
  schemaOf(ref: ObjectRef): ObjectRef | undefined {
    if (ref.kind !== 'relation' && ref.kind !== 'type' && ref.kind !== 'function') return undefined;
    return this.schema(ref.name.slice(0, ref.name.lastIndexOf('.')));
  }
}

/**
 * The ref with the byte offset of the reference in the file, when the parser gave one. Every
 * ref it is given was just built for this reference, so the offset is set on it (no copy).
 */
export function at(ref: ObjectRef | undefined, location: unknown): ObjectRef | undefined {
  if (ref && typeof location === 'number') ref.location = location;
  return ref;
}

function isBuiltinType(name: string): boolean {
  const base = name.startsWith('_') ? name.slice(1) : name;
  return BUILTIN_TYPES.has(base) || PSEUDO_TYPES.has(base);
}

/** `schema.name` → 'name'. */
export function bareName(qualified: string): string {
  return qualified.slice(qualified.lastIndexOf('.') + 1);
}

export function schemaName(qualified: string): string {
  return qualified.slice(0, qualified.lastIndexOf('.'));
}
