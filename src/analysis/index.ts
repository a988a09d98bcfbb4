/**
 * Static analysis of migration SQL: parse with the real PostgreSQL parser,
 * find objects a unit needs that nothing provides, lint for known traps, and
 * predict table locks. Pure and database-free: facts about the database come
 * in from the caller as data or callbacks.
 */
export { parseSql } from './parse';
export { statementDeps, findGaps, type GapUnit } from './dependencies';
export { lintStatements, needsNoTransaction, LINT_RULES, type LintContext } from './lint';
export { lockFootprint } from './locks';
export {
  LOCK_MODES,
  type AnalysisOptions,
  type Finding,
  type Gap,
  type LockMode,
  type LockRequest,
  type ObjectKind,
  type ObjectRef,
  type ParsedStatement,
  type ParseResult,
  type Severity,
  type SqlSyntaxIssue,
  type StatementDeps,
} from './types';
