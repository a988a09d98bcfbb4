/**
 * Shared data shapes of the static analysis. Everything here is plain data so
 * that `migrate plan --json` can serialise it unchanged.
 */

export type Severity = 'error' | 'warning';

/** One lint or parse finding, addressed by file and 1-based line. */
export interface Finding {
  rule: string;
  severity: Severity;
  file: string;
  line: number;
  message: string;
}

/** Where and why the PostgreSQL parser rejected a file. */
export interface SqlSyntaxIssue {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** One top-level statement of a file, as the real PostgreSQL parser saw it. */
export interface ParsedStatement {
  /** 0-based position of the statement in its file. */
  index: number;
  /** Source text, from the first token up to (not including) the terminating semicolon. */
  text: string;
  /** 1-based line and column (in characters) of the first token. */
  line: number;
  column: number;
  /** 0-based index of the first token in the file's JS string. */
  offset: number;
  /**
   * 0-based UTF-8 byte offset of the first token. AST `location` fields are
   * byte offsets into the file, so this lets rules map them to lines.
   * Optional so callers can build statements by hand.
   */
  byteOffset?: number;
  /** The raw statement node, e.g. `{ CreateStmt: {...} }`. */
  node: any;
  /** The node type name, e.g. `CreateStmt`. */
  kind: string;
}

export type ParseResult =
  | { ok: true; statements: ParsedStatement[] }
  | {
      ok: false;
      error: SqlSyntaxIssue;
      findings: Finding[];
      /**
       * The statements before the one that failed, parsed on their own, so
       * that lint can still report their problems in the same pass.
       */
      parsedBefore: ParsedStatement[];
    };

/**
 * Kinds of database objects a statement can need or provide. `language` is
 * only reported for procedural languages other than the built-in ones.
 */
export type ObjectKind = 'relation' | 'schema' | 'function' | 'role' | 'type' | 'language';

/**
 * A database object by normalised name: relations, types and functions are
 * `schema.name` (functions without arguments); schemas, roles and languages
 * are bare names.
 */
export interface ObjectRef {
  kind: ObjectKind;
  name: string;
  /**
   * Set when the SQL did not qualify the name and the schema came from the
   * search path; the name may then resolve to another schema on the path
   * (or to pg_temp for relations).
   */
  implicitSchema?: boolean;
  /** For a need: the byte offset of the reference in the file (where a gap is reported). */
  location?: number;
}

/** A statement whose effect the analysis cannot see into, and which kinds of object it may provide. */
export interface Opaque {
  /** Why, naming the statement: "the DO block runs dynamic SQL (EXECUTE)". */
  reason: string;
  kinds: ObjectKind[];
}

export interface StatementDeps {
  needs: ObjectRef[];
  creates: ObjectRef[];
  drops: ObjectRef[];
  /** The statement runs code we cannot see into (dynamic SQL, an unknown extension, a procedure): what follows may rely on it. */
  opaque?: Opaque;
}

/** An object a unit needs that neither the database nor an earlier statement provides. */
export interface Gap {
  unit: string;
  file: string;
  line: number;
  kind: ObjectKind;
  name: string;
  /**
   * The analysis cannot be sure: an earlier statement it cannot see into (dynamic SQL, an
   * extension it does not know) may provide it. Such a gap is a warning naming that statement.
   */
  uncertain?: { unit: string; file: string; line: number; reason: string };
}

/** PostgreSQL's table lock modes, weakest first. */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;

export type LockMode = (typeof LOCK_MODES)[number];

export interface LockRequest {
  /** Schema-qualified relation name. */
  table: string;
  lock: LockMode;
  reason: string;
}

export interface AnalysisOptions {
  /** Schemas unqualified names resolve to; the first one is used for new objects. Default ['public']. */
  searchPath?: string[];
  /**
   * Schemas assumed present in every database, never reported as gaps.
   * Default ['public'] (PostgreSQL creates it in every new database).
   */
  assumeSchemas?: string[];
}
