import type pino from 'pino';
import { Writable } from 'node:stream';
import { UsageError } from './errors';

/** The part of pino's logger the runner uses, so a silent run need not load pino at all. */
export interface Logger {
  trace(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = () => undefined;
const SILENT: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop };
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  level: LogLevel;
  /** pino JSON lines go here when set. */
  file?: string;
  /** Readable lines (e.g. process.stderr on a terminal); omitted in JSON mode and tests. */
  human?: NodeJS.WritableStream;
  /** The run every line belongs to: in each JSON line, so a line can be tied to its history rows. */
  runId?: string;
}

const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * `level` is for the screen. The log file records at least info whatever the screen shows,
 * so a run's file says what happened even when the terminal was quiet.
 */
export function createLogger(options: LoggerOptions): Logger {
  const screen = options.human && options.level !== 'silent' ? (options.level as pino.Level) : undefined;
  if (!options.file && !screen) return SILENT;
  const pino = require('pino') as typeof import('pino');
  const fileLevel: pino.Level | undefined = options.file ? (RANK[options.level] < RANK.info ? (options.level as pino.Level) : 'info') : undefined;
  const streams: pino.StreamEntry[] = [];
  if (fileLevel) streams.push({ level: fileLevel, stream: logFile(pino, options.file!) });
  if (screen) streams.push({ level: screen, stream: humanStream(options.human!, screen) });
  const level = [fileLevel, screen].filter((l): l is pino.Level => !!l).sort((x, y) => RANK[x] - RANK[y])[0];
  // A mixin, not a base binding: merged with each line's own keys, so a line that names its run too has runId once.
  const runId = options.runId;
  return pino({ level, base: undefined, mixin: runId ? () => ({ runId }) : undefined, redact: { paths: ['password', '*.password'], censor: '***' } }, pino.multistream(streams));
}

/** The log file, opened now (the command layer has checked that it can be written; this is the last word). */
function logFile(pino: typeof import('pino'), file: string): pino.DestinationStream {
  try {
    return pino.destination({ dest: file, sync: true, mkdir: true });
  } catch (err) {
    throw new UsageError(`--log-file ${file} cannot be written: ${(err as Error).message}`);
  }
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** Short readable lines: "12:00:01 info  applied unit=0023_x durationMs=12". */
function humanStream(out: NodeJS.WritableStream, level: LogLevel): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      try {
        const rec = JSON.parse(String(chunk));
        // The server's NOTICEs (e.g. "relation already exists, skipping") belong in the log
        // file; on the screen they would read as the runner's own words.
        if (rec.notice && RANK[level] > RANK.debug) return done();
        const time = new Date(rec.time ?? Date.now()).toISOString().slice(11, 19);
        const extras = Object.entries(rec)
          .filter(([k, v]) => !SKIP.has(k) && v !== undefined && typeof v !== 'object')
          .map(([k, v]) => `${k}=${k === 'runId' ? String(v).slice(0, 8) : v}`)
          .join(' ');
        out.write(`${time} ${(LEVELS[rec.level] ?? 'log').padEnd(5)} ${rec.msg ?? ''}${extras ? ' ' + extras : ''}\n`);
      } catch {
        out.write(String(chunk));
      }
      done();
    },
  });
}
