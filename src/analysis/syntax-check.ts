import { setImmediate as nextTurn } from 'node:timers/promises';
import { syntaxErrors } from './parse';
import type { SqlSyntaxIssue } from './types';

/** About this much SQL per parser call (~2 ms of parsing), so the connection's next step never waits long (32 KB slices left it ~10 ms later). */
const SLICE_CHARS = 8 * 1024;

/**
 * The syntax preflight of a long sequence, run while the connections open, the lock is
 * taken and the history is read, so the server's share of that waiting overlaps the parse
 * (the slowest step before the first unit: ~45 ms for 1,000 files). It parses a slice, then
 * lets the event loop answer the server, and so on; it starts after one turn, so the
 * connections are already on their way.
 */
export async function startSyntaxCheck(files: ReadonlyArray<{ file: string; text: string }>): Promise<SqlSyntaxIssue[]> {
  const issues: SqlSyntaxIssue[] = [];
  let slice: Array<{ file: string; text: string }> = [];
  let size = 0;
  for (const f of files) {
    slice.push(f);
    size += f.text.length;
    if (size >= SLICE_CHARS) {
      await nextTurn();
      issues.push(...(await syntaxErrors(slice)));
      slice = [];
      size = 0;
    }
  }
  await nextTurn();
  if (slice.length) issues.push(...(await syntaxErrors(slice)));
  return issues;
}

/**
 * Starts the syntax check of every unit's up step for a run; it proceeds while the run
 * connects, locks and reads its history (runSequence's syntaxCheck keeps only pending units'
 * issues). Imported only by the commands that apply units, so `status` never loads the parser.
 */
export function syntaxCheckOf(units: ReadonlyArray<{ up: { path: string; text: string } }>): Promise<SqlSyntaxIssue[]> {
  const check = startSyntaxCheck(units.map((u) => ({ file: u.up.path, text: u.up.text })));
  // Awaited by runSequence, unless the run stops before (a refused connection): then nobody waits for it.
  check.catch(() => undefined);
  return check;
}
