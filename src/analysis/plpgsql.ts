/**
 * Recognises statements that are PL/pgSQL, not SQL. Migration authors copy
 * function bodies to the top level (the original 0024 had `RAISE NOTICE` at
 * line 44); the server then reports a bare syntax error that hides the cause.
 */

/** Keywords that can start a PL/pgSQL statement but never a top-level SQL one. */
const PLPGSQL_ONLY = new Set([
  'RAISE', 'PERFORM', 'RETURN', 'IF', 'ELSIF', 'ELSEIF', 'ELSE', 'LOOP', 'FOR',
  'FOREACH', 'WHILE', 'EXIT', 'CONTINUE', 'DECLARE', 'ASSERT', 'OPEN', 'EXCEPTION',
  'CASE', 'NULL',
]);

/** `END IF`, `END LOOP`, `END CASE` (plain `END` is SQL for COMMIT). */
const END_FOLLOWERS = new Set(['IF', 'LOOP', 'CASE']);

/**
 * If the statement text starting at `start` begins like PL/pgSQL, return the
 * construct (e.g. `RAISE`, `GET DIAGNOSTICS`, `:=`) to name in the message.
 */
export function plpgsqlConstructAt(text: string, start: number): string | undefined {
  const head = /^([A-Za-z_][A-Za-z0-9_$]*)\s*(:=|[A-Za-z_][A-Za-z0-9_$]*)?/.exec(
    text.slice(start, start + 200),
  );
  if (!head) return undefined;
  const first = head[1].toUpperCase();
  const second = head[2]?.toUpperCase();
  if (second === ':=') return `${head[1]} :=`;
  if (first === 'END') return second && END_FOLLOWERS.has(second) ? `END ${second}` : undefined;
  if (first === 'GET') {
    const diag = second === 'DIAGNOSTICS' || second === 'STACKED' || second === 'CURRENT';
    return diag ? 'GET DIAGNOSTICS' : undefined;
  }
  return PLPGSQL_ONLY.has(first) ? first : undefined;
}
