import type { Session } from '../../db/session';
import type { Unit } from '../units';

export type ToolName = 'flyway' | 'golang-migrate' | 'dbmate' | 'node-pg-migrate';

/** A unit another tool applied, as its history tells. */
export interface ForeignRecord {
  unit: Unit;
  /** The version or name as that tool recorded it. */
  recorded: string;
  /** When and by whom it was applied, where the tool stores them. */
  at: string | null;
  user: string | null;
  durationMs: number | null;
  detail: Record<string, unknown>;
}

/** What a tool's history says: the units it applied, and what blocks an import (failed, dirty, no file, changed). */
export interface ForeignHistory {
  records: ForeignRecord[];
  problems: string[];
}

/** One tool's history table, read without changing anything. */
export interface ImportSource {
  tool: ToolName;
  /** The table that tool creates (in the search path), unless --table names another. */
  table: string;
  /** How the tool's version text names a unit of the folder. */
  read(s: Session, table: string, units: readonly Unit[]): Promise<ForeignHistory>;
}
