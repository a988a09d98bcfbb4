import type postgres from 'postgres';
import type { Logger } from '../log';
import type { SourcePosition } from '../errors';
import type { Sql } from './client';

export interface Timeouts {
  /** PostgreSQL interval text, e.g. '5s'. */
  lockTimeout: string;
  statementTimeout: string;
}

export type Row = Record<string, unknown>;

/** One step of a pipeline: a whole script (simple protocol) or a parameterised query. */
export type PipelineStep = { script: string; file: string; query?: undefined; params?: undefined } | { query: string; params?: readonly unknown[]; script?: undefined; file?: undefined };
type Runner = Sql | postgres.TransactionSql<Record<string, never>>;

/** Thrown inside a transaction to roll it back on purpose (dry runs, rehearsals). */
export class RollbackSignal extends Error {
  constructor(readonly value?: unknown) {
    super('rollback requested');
  }
}

/**
 * The one place every statement goes through: it applies the timeouts, logs each
 * statement with its duration, and owns the transaction rules (SET LOCAL inside, savepoints
 * for nesting), so no other module talks to postgres.js directly.
 */
export class Session {
  private constructor(
    private readonly runner: Runner,
    readonly log: Logger,
    readonly timeouts: Timeouts,
    readonly depth: number,
  ) {}

  static async open(sql: Sql, log: Logger, timeouts: Timeouts): Promise<Session> {
    const s = new Session(sql, log, timeouts, 0);
    await s.applyTimeouts(false);
    return s;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /** A parameterised statement; never build SQL from values. */
  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const started = performance.now();
    try {
      const rows = (await this.runner.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: params.length > 0 })) as unknown as T[];
      this.log.trace({ durationMs: ms(started), sql: oneLine(text) }, 'query');
      return rows;
    } catch (err) {
      this.log.debug({ durationMs: ms(started), sql: oneLine(text), err: String((err as Error).message) }, 'query failed');
      throw err;
    }
  }

  /** A whole file, several statements, simple protocol (what psql -f would send). */
  async script(text: string, file: string): Promise<void> {
    const started = performance.now();
    await this.runner.unsafe(text).simple();
    this.log.debug({ durationMs: ms(started), file }, 'script');
  }

  /** A whole file like script(), returning the rows of its last statement (behaviour checks). */
  async scriptRows<T extends Row = Row>(text: string, file: string): Promise<T[]> {
    const started = performance.now();
    const result = (await this.runner.unsafe(text).simple()) as unknown as Array<T | T[]> & { command?: string };
    this.log.debug({ durationMs: ms(started), file }, 'script');
    // One statement: the rows themselves (with .command); several: one result array per statement.
    if (result.command === undefined && result.length > 0 && Array.isArray(result[0])) return result[result.length - 1] as T[];
    return result as T[];
  }

  /**
   * Sends several steps without waiting between them (postgres.js pipelines them on the one
   * connection), then waits for all; the first failure, in order, is thrown. Inside a
   * transaction a failed step aborts the rest, so nothing after it takes effect.
   */
  async pipeline(steps: ReadonlyArray<PipelineStep>): Promise<unknown[]> {
    const started = performance.now();
    const pending = steps.map((st) =>
      st.script !== undefined ? this.runner.unsafe(st.script).simple() : this.runner.unsafe(st.query, (st.params ?? []) as postgres.ParameterOrJSON<never>[], { prepare: (st.params ?? []).length > 0 }),
    );
    const settled = await Promise.allSettled(pending);
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    this.log.debug({ durationMs: ms(started), steps: steps.length, files: steps.map((st) => st.file).filter(Boolean).join(',') }, failure ? 'pipeline failed' : 'pipeline');
    if (failure) throw failure.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value);
  }

  /**
   * A whole transaction in one round trip: BEGIN, the SET LOCAL timeouts, the steps and
   * COMMIT go out together. If a step fails, the server aborts the transaction, the rest
   * fail with it, COMMIT becomes a rollback, and the first error is thrown. Inside an
   * open transaction it becomes a savepoint instead.
   */
  async atomic(steps: ReadonlyArray<PipelineStep>): Promise<unknown[]> {
    if (this.depth > 0) return this.transaction((tx) => tx.pipeline(steps));
    const settings: PipelineStep = {
      query: 'select set_config($1, $2, true), set_config($3, $4, true)',
      params: ['lock_timeout', this.timeouts.lockTimeout, 'statement_timeout', this.timeouts.statementTimeout],
    };
    // No ROLLBACK after a failure: the pipeline settles only once COMMIT was answered, and a
    // COMMIT of an aborted transaction rolls it back, as does a COMMIT that fails itself.
    const results = await this.pipeline([{ script: 'begin', file: '(begin)' }, settings, ...steps, { script: 'commit', file: '(commit)' }]);
    return results.slice(2, -1);
  }

  /**
   * Runs fn as a command asked: a dry run inside a transaction that is always rolled back,
   * all-or-nothing inside one transaction, or plainly (each unit its own transaction).
   */
  async within(mode: { dryRun?: boolean; singleTransaction?: boolean }, fn: (s: Session) => Promise<void>): Promise<void> {
    if (mode.dryRun) {
      await this.transaction(async (tx) => {
        await fn(tx);
        throw new RollbackSignal();
      });
    } else if (mode.singleTransaction) {
      await this.transaction(fn);
    } else {
      await fn(this);
    }
  }

  /**
   * Runs fn in a transaction (or a savepoint when already inside one) with SET LOCAL
   * timeouts. Throw RollbackSignal to roll back without an error; its value is returned.
   */
  async transaction<T>(fn: (tx: Session) => Promise<T>, timeouts: Timeouts = this.timeouts): Promise<T> {
    try {
      if (this.depth === 0) {
        return (await (this.runner as Sql).begin(async (tx) => {
          const inner = new Session(tx, this.log, timeouts, 1);
          // Not awaited: it travels in one round trip with the unit's first statement.
          const timeoutsSet = inner.applyTimeouts(true);
          timeoutsSet.catch(() => undefined);
          const value = await fn(inner);
          await timeoutsSet;
          return value;
        })) as T;
      }
      return (await (this.runner as postgres.TransactionSql<Record<string, never>>).savepoint(async (sp) => {
        const inner = new Session(sp as unknown as Runner, this.log, timeouts, this.depth + 1);
        await inner.applyTimeouts(true);
        return fn(inner);
      })) as T;
    } catch (err) {
      if (err instanceof RollbackSignal) return err.value as T;
      throw err;
    }
  }

  private async applyTimeouts(local: boolean): Promise<void> {
    await this.query('select set_config($1, $2, $5), set_config($3, $4, $5)', [
      'lock_timeout', this.timeouts.lockTimeout, 'statement_timeout', this.timeouts.statementTimeout, local,
    ]);
  }
}

/** Where a server error points inside a script: line/column from its 1-based character position. */
export function serverErrorPosition(err: unknown, text: string, file: string): SourcePosition {
  const pos = Number((err as { position?: string }).position);
  if (!Number.isFinite(pos) || pos <= 0) return { file };
  return { file, ...lineColumnAt(text, pos - 1) };
}

export function lineColumnAt(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

/** The server's own words, with PL/pgSQL context when it says where inside a body. */
export function serverErrorMessage(err: unknown): string {
  const e = err as { message?: string; code?: string; where?: string; detail?: string };
  let m = e.message ?? String(err);
  if (e.code) m += ` [${e.code}]`;
  if (e.detail) m += ` (${e.detail})`;
  if (e.where) m += ` — ${oneLine(e.where)}`;
  return m;
}

function ms(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? t.slice(0, 197) + '...' : t;
}
