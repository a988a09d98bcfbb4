import type postgres from 'postgres';
import type { Logger } from '../log';
import type { SourcePosition } from '../errors';
import type { Bounds } from './bounds';
import type { Connection } from './connection';

export interface Timeouts {
  /** PostgreSQL interval text, e.g. '5s'. */
  lockTimeout: string;
  statementTimeout: string;
}

export type Row = Record<string, unknown>;

/**
 * One step of a pipeline: a whole script (simple protocol) or a parameterised query. A query
 * that is `select <expressions>` and nothing more (no FROM, no clause) may say `joinable`:
 * atomic() sends adjacent joinable steps as one SELECT (see joinSelects).
 */
export type PipelineStep = { script: string; file: string; query?: undefined; params?: undefined; joinable?: undefined } | { query: string; params?: readonly unknown[]; script?: undefined; file?: undefined; joinable?: boolean };
type Params = postgres.ParameterOrJSON<never>[];

/** Thrown inside a transaction to roll it back on purpose (dry runs, rehearsals). */
export class RollbackSignal extends Error {
  constructor(readonly value?: unknown) {
    super('rollback requested');
  }
}

/** The settings every transaction sets for itself (SET LOCAL), in its first round trip. */
const LOCAL_SETTINGS = 'select set_config($1, $2, true), set_config($3, $4, true), set_config($5, $6, true)';

/**
 * The one place every statement goes through: it applies the timeouts, logs each
 * statement with its duration, and owns the transaction rules (BEGIN and SET LOCAL in the
 * same round trip as the first statement, savepoints for nesting), so no other module talks
 * to postgres.js directly. A Session sits on one Connection, which never opens a second
 * server session: a statement runs in the transaction it was sent in, or fails.
 */
export class Session {
  private constructor(
    readonly connection: Connection,
    readonly log: Logger,
    readonly timeouts: Timeouts,
    readonly depth: number,
    private readonly idleInTransactionMs: number,
  ) {}

  /**
   * Sets the session's own bounds once: the default timeouts, and what lets the server end
   * this session if its client vanishes (see db/bounds.ts).
   */
  static async open(connection: Connection, log: Logger, timeouts: Timeouts, bounds: Bounds): Promise<Session> {
    const s = new Session(connection, log, timeouts, 0, bounds.server.idleInTransactionMs);
    const b = bounds.server;
    await s.query(
      `select set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false),
              set_config('idle_in_transaction_session_timeout', $3, false),
              set_config('tcp_keepalives_idle', $4, false), set_config('tcp_keepalives_interval', $5, false), set_config('tcp_keepalives_count', $6, false),
              case when current_setting('server_version_num')::int >= 140000 then set_config('client_connection_check_interval', $7, false) end`,
      [timeouts.lockTimeout, timeouts.statementTimeout, String(b.idleInTransactionMs), String(b.keepalivesIdleS), String(b.keepalivesIntervalS), String(b.keepalivesCount), String(b.clientCheckMs)],
    );
    return s;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /** A parameterised statement; never build SQL from values. */
  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const started = performance.now();
    try {
      const rows = (await this.send({ query: text, params })) as unknown as T[];
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
    await this.send({ script: text, file });
    this.log.debug({ durationMs: ms(started), file }, 'script');
  }

  /** A whole file like script(), returning the rows of its last statement (behaviour checks). */
  async scriptRows<T extends Row = Row>(text: string, file: string): Promise<T[]> {
    const started = performance.now();
    const result = (await this.send({ script: text, file })) as unknown as Array<T | T[]> & { command?: string };
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
    const settled = await Promise.allSettled(steps.map((st) => this.send(st)));
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    this.log.debug({ durationMs: ms(started), steps: steps.length, files: steps.map((st) => st.file).filter(Boolean).join(',') }, failure ? 'pipeline failed' : 'pipeline');
    if (failure) throw failure.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value);
  }

  /**
   * A whole transaction in one round trip: BEGIN, the SET LOCAL settings, the steps and
   * COMMIT go out together. If a step fails, the server aborts the transaction, the rest
   * fail with it, COMMIT becomes a rollback, and the first error is thrown. Inside an
   * open transaction it becomes a savepoint instead.
   */
  async atomic(steps: ReadonlyArray<PipelineStep>): Promise<unknown[]> {
    if (this.depth > 0) return this.transaction((tx) => tx.pipeline(steps));
    // No ROLLBACK after a failure: the pipeline settles only once COMMIT was answered, and a
    // COMMIT of an aborted transaction rolls it back, as does a COMMIT that fails itself.
    const { sent, at } = joinSelects([this.localSettings(this.timeouts), ...steps]);
    const results = await this.pipeline([{ script: 'begin', file: '(begin)' }, ...sent, { script: 'commit', file: '(commit)' }]);
    return at.slice(1).map((i) => results[i + 1]);
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
    const inner = new Session(this.connection, this.log, timeouts, this.depth + 1, this.idleInTransactionMs);
    const name = `migrate_sp${this.depth}`;
    const [open, commit, undo] = this.depth === 0 ? ['begin', 'commit', 'rollback'] : [`savepoint ${name}`, `release savepoint ${name}`, `rollback to savepoint ${name}`];
    // Not awaited: BEGIN and the settings travel in one round trip with fn's first statement.
    const opened = Promise.all([this.send({ script: open, file: `(${open})` }), this.send(this.localSettings(timeouts))]);
    opened.catch(() => undefined);
    let value: T;
    try {
      value = await fn(inner);
      await opened;
    } catch (err) {
      // A lost connection needs no ROLLBACK: the server ends the session and its transaction.
      if (!this.connection.lost) await this.send({ script: undo, file: `(${undo})` }).catch(() => undefined);
      if (err instanceof RollbackSignal) return err.value as T;
      throw err;
    }
    // A COMMIT that fails has rolled the transaction back itself.
    await this.send({ script: commit, file: `(${commit})` });
    return value;
  }

  private localSettings(t: Timeouts): PipelineStep {
    return { query: LOCAL_SETTINGS, joinable: true, params: ['lock_timeout', t.lockTimeout, 'statement_timeout', t.statementTimeout, 'idle_in_transaction_session_timeout', String(this.idleInTransactionMs)] };
  }

  /** Every statement's one way to the server: counted for the watchdog, a lost session named as such. */
  private send(st: PipelineStep): Promise<unknown> {
    const sql = this.connection.sql;
    const params = (st.params ?? []) as Params;
    const q = st.script !== undefined ? sql.unsafe(st.script).simple() : sql.unsafe(st.query, params, { prepare: params.length > 0 });
    return this.connection.track(Promise.resolve(q).catch((err: unknown) => {
      throw this.connection.failure(err);
    }));
  }
}

/**
 * Adjacent joinable steps as one `select a, b, c` (their parameters renumbered in turn), with,
 * for each step, the index of the statement it went out in: each statement a transaction
 * sends is one more round of Bind/Execute/Sync and one more answer to wake the client for
 * (a unit's BEGIN, settings, lock check and proof capture were four). The expressions run in
 * order, in one statement: the first that raises aborts the transaction, as it would alone.
 */
export function joinSelects(steps: readonly PipelineStep[]): { sent: PipelineStep[]; at: number[] } {
  const sent: PipelineStep[] = [];
  const at: number[] = [];
  let open: { parts: string[]; params: unknown[] } | undefined;
  for (const st of steps) {
    if (st.query !== undefined && st.joinable && /^select\s/i.test(st.query)) {
      if (!open) {
        open = { parts: [], params: [] };
        sent.push({ query: '', params: open.params });
      }
      open.parts.push(renumbered(st.query.replace(/^select\s+/i, ''), open.params.length));
      open.params.push(...(st.params ?? []));
      sent[sent.length - 1] = { query: `select ${open.parts.join(', ')}`, params: open.params };
    } else {
      open = undefined;
      sent.push(st);
    }
    at.push(sent.length - 1);
  }
  return { sent, at };
}

/** A statement's parameters $1… as $(1 + offset)…, to go after `offset` others in one statement. */
export function renumbered(query: string, offset: number): string {
  let byOffset = renumberedText.get(query);
  if (!byOffset) {
    if (renumberedText.size >= 64) renumberedText.clear();
    renumberedText.set(query, (byOffset = new Map()));
  }
  let out = byOffset.get(offset);
  if (out === undefined) {
    out = query.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    byOffset.set(offset, out);
  }
  return out;
}

// The same few statements are renumbered for every unit (its settings, proof capture, guard): kept, by text and offset.
const renumberedText = new Map<string, Map<number, string>>();

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
