import { UsageError } from '../../errors';
import { dbmate } from './dbmate';
import { flyway } from './flyway';
import { golang } from './golang';
import { nodePgMigrate } from './node-pg-migrate';
import type { ImportSource, ToolName } from './types';

export type { ForeignHistory, ForeignRecord, ImportSource, ToolName } from './types';

export const SOURCES: readonly ImportSource[] = [flyway, golang, dbmate, nodePgMigrate];

export function sourceNamed(tool: string): ImportSource {
  const s = SOURCES.find((x) => x.tool === tool);
  if (!s) throw new UsageError(`cannot import from "${tool}"`, `one of ${SOURCES.map((x) => x.tool).join(', ')}`);
  return s;
}

export const TOOLS = SOURCES.map((s) => s.tool) as ToolName[];
