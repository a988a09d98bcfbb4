import { parseSql } from '../analysis/parse';
import { RollbackSignal, type Session } from '../db/session';
import { UnitFailedError, type SourcePosition } from '../errors';
import type { UnitFile } from './units';

/** Errors for which a replay would only wait again or cannot be reproduced. */
const NOT_REPLAYABLE = new Set(['55P03', '57014', '40P01', '40001']);

/**
 * A runtime error (division by zero, a duplicate key, a missing role in a GRANT) comes
 * without a position. To name the line anyway, the file's statements are replayed one
 * by one in a transaction that is always rolled back; the first that fails is the line.
 * Only runs after the unit has already been rolled back, so it changes nothing.
 */
export async function locateFailure(s: Session, failure: UnitFailedError, file: UnitFile): Promise<UnitFailedError> {
  const cause = failure.cause as { code?: string; position?: string } | undefined;
  if (failure.position.line || !cause || cause.position || NOT_REPLAYABLE.has(cause.code ?? '')) return failure;
  const parsed = await parseSql(file.path, file.text).catch(() => undefined);
  if (!parsed?.ok) return failure;
  const found = await s
    .transaction(async (tx) => {
      for (const st of parsed.statements) {
        try {
          await tx.script(st.text, file.path);
        } catch (err) {
          const code = (err as { code?: string }).code;
          throw new RollbackSignal(code === cause.code ? ({ file: file.path, line: st.line, column: st.column } satisfies SourcePosition) : undefined);
        }
      }
      throw new RollbackSignal(undefined);
    })
    .catch(() => undefined);
  if (!found) return failure;
  return new UnitFailedError(failure.unit, failure.direction, found as SourcePosition, failure.serverMessage, { cause: failure.cause, exitCode: failure.exitCode, hint: failure.hint });
}
