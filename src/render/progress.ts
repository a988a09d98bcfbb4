import type { UnitAction, UnitResult } from '../engine/runner';
import type { ProgressEvent, ProgressSink, WaitingOn } from '../engine/progress';
import { fit, type Paint } from './colour';
import { actionWord } from './run';

/**
 * A run's progress as a person reads it (on stderr): plain lines when not a terminal, one
 * as a unit starts and one as it ends, with `[k/N]`, and a "waiting on" line once a unit has
 * run for a few seconds; on a terminal a live list of the units, redrawn in place.
 */
export interface ProgressView {
  sink: ProgressSink;
  /** A line of its own (the interrupt), above the live list. */
  note(line: string): void;
  /** Stops redrawing; `erase` removes the live list (the report that follows lists the units). */
  finish(erase: boolean): void;
}

export interface ViewOptions {
  dryRun: boolean;
  paint: Paint;
  /** Columns to fit (at most 80). */
  width: number;
  /** A unit running longer than this gets its "waiting on" line. */
  waitAfterMs?: number;
}

const WAIT_AFTER_MS = 3000;

interface UnitState {
  name: string;
  state: 'pending' | 'running' | UnitAction;
  started?: number;
  durationMs?: number;
  detail?: string;
  waitingOn?: WaitingOn;
  /** When waitingOn was seen (its ages are as of then). */
  seenAt?: number;
  /** The last attempt that gave way, while the unit is tried again. */
  retry?: string;
}

/** Time of day in UTC, saying so. */
export function clock(at?: Date): string {
  if (at) return `${at.toISOString().slice(11, 19)}Z`;
  // Every unit's start line says the time: it changes once a second, so it is made once a second.
  const second = Math.floor(Date.now() / 1000);
  if (second !== lastSecond) [lastSecond, lastClock] = [second, clock(new Date(second * 1000))];
  return lastClock;
}

let lastSecond = NaN;
let lastClock = '';

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** What a unit waits on, in words: the session holding its lock, or its running statement. */
export function describeWait(on: WaitingOn, sinceSeenMs = 0): string {
  if (on.kind === 'statement') return `running${on.waitEvent ? ` (${on.waitEvent})` : ''}: ${on.query}`;
  const b = on.blockers[0];
  const more = on.blockers.length > 1 ? ` and ${on.blockers.length - 1} more` : '';
  const what = [b.application || 'no application_name', b.user, b.state, b.xactMs === null ? '' : `in transaction ${duration(b.xactMs + sinceSeenMs)}`].filter(Boolean).join(', ');
  return `waiting on pid ${b.pid}${more} (${what}): ${b.query ?? ''}`;
}

function paintAction(word: string, action: UnitState['state'], paint: Paint): string {
  if (action === 'applied' || action === 'adopted' || action === 'rolled-back') return paint(word, 'green');
  if (action === 'failed' || action === 'unknown') return paint(word, 'red');
  if (action === 'not-run' || action === 'skipped' || action === 'pending') return paint(word, 'dim');
  return word;
}

/** The model both views draw from, fed by the engine's events. */
class Progress {
  units: UnitState[] = [];
  total = 0;
  /** Each unit's place in `units`: an event finds its unit without a scan (1,000 units, three events each). */
  private at = new Map<string, number>();
  constructor(readonly o: ViewOptions) {}

  apply(e: ProgressEvent): UnitState | undefined {
    if (e.type === 'units') {
      this.units = e.names.map((name) => ({ name, state: 'pending' }));
      this.at = new Map(e.names.map((name, i) => [name, i]));
      this.total = e.names.length;
      return undefined;
    }
    const u = this.find(e.unit);
    if (!u) return undefined;
    if (e.type === 'unit-start') Object.assign(u, { state: 'running', started: Date.now(), waitingOn: undefined });
    else if (e.type === 'unit-activity') Object.assign(u, { waitingOn: e.waitingOn, seenAt: Date.now() });
    else if (e.type === 'unit-retry') Object.assign(u, { waitingOn: undefined, retry: `attempt ${e.attempt} gave way (${e.reason}), rolled back; again in ${duration(e.retryInMs)}` });
    else if (e.type === 'unit-end') Object.assign(u, { state: e.result.action, durationMs: e.result.durationMs, detail: e.result.error ?? e.result.reason, waitingOn: undefined });
    return u;
  }

  find(name: string): UnitState | undefined {
    const i = this.at.get(name);
    return i === undefined ? undefined : this.units[i];
  }

  tag(u: UnitState): string {
    return `[${(this.at.get(u.name) ?? -1) + 1}/${this.total}]`;
  }

  word(u: UnitState): string {
    return u.state === 'pending' || u.state === 'running' ? u.state : actionWord({ action: u.state } as UnitResult, this.o.dryRun);
  }

  elapsed(u: UnitState): number {
    return u.durationMs ?? (u.started ? Date.now() - u.started : 0);
  }

  waiting(u: UnitState): string {
    return u.waitingOn ? describeWait(u.waitingOn, Date.now() - (u.seenAt ?? Date.now())) : 'still running';
  }
}

/** Plain lines, for a log file or a CI console. */
export function plainProgress(out: NodeJS.WritableStream, o: ViewOptions): ProgressView {
  const p = new Progress(o);
  const waitAfter = o.waitAfterMs ?? WAIT_AFTER_MS;
  const timers = new Map<string, NodeJS.Timeout>();
  const line = (text: string) => out.write(`${fit(text, o.width)}\n`);
  const said = new Set<string>();
  const sayWait = (u: UnitState) => {
    // Once per thing waited on (its ages aside).
    const key = `${u.name} ${u.waitingOn ? describeWait(u.waitingOn) : ''}`;
    if (said.has(key)) return;
    said.add(key);
    line(`${p.tag(u)} ${fit(u.name, 30)}  ${duration(p.elapsed(u))}, ${p.waiting(u)}`);
  };
  const sink: ProgressSink = (e) => {
    if (e.type === 'units') {
      p.apply(e);
      line(`started ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}: ${e.names.length} unit(s) to run`);
      return;
    }
    if (e.type === 'cancel') {
      const u = p.find(e.unit);
      if (u) line(`${p.tag(u)} ${fit(u.name, 30)}  its statement was cancelled on the server (pid ${e.pid})`);
      return;
    }
    const u = p.apply(e);
    if (!u) return;
    if (e.type === 'unit-start') {
      line(`${p.tag(u)} ${fit(u.name, 30)}  started ${clock()}`);
      timers.set(u.name, setTimeout(() => sayWait(u), waitAfter).unref());
    } else if (e.type === 'unit-activity') {
      if (p.elapsed(u) >= waitAfter) sayWait(u);
    } else if (e.type === 'unit-retry') {
      line(`${p.tag(u)} ${fit(u.name, 30)}  ${u.retry}`);
    } else if (e.type === 'unit-end') {
      clearTimeout(timers.get(u.name));
      timers.delete(u.name);
      line(`${p.tag(u)} ${fit(u.name, 30)}  ${paintAction(p.word(u), u.state, o.paint)} ${duration(p.elapsed(u))}${u.detail ? `: ${u.detail}` : ''}`);
    }
  };
  return {
    sink,
    note: line,
    finish: () => timers.forEach((t) => clearTimeout(t)),
  };
}

const MARK: Record<string, string> = { pending: '○', running: '▸', applied: '✓', adopted: '✓', 'rolled-back': '↶', skipped: '·', failed: '✗', 'not-run': '○', unknown: '?' };
/** The live list shows at most this many unit rows (done ones scroll away first). */
const ROWS = 12;

/** The live list on a terminal: one row per unit, the running one with its elapsed time and what it waits on. */
export function liveProgress(out: NodeJS.WritableStream, o: ViewOptions): ProgressView {
  const p = new Progress(o);
  const waitAfter = o.waitAfterMs ?? 1000;
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const erase = () => {
    if (drawn > 0) out.write(`\x1b[${drawn}F\x1b[J`);
    drawn = 0;
  };
  const rows = (): string[] => {
    const width = Math.max(10, ...p.units.map((u) => Math.min(30, u.name.length)));
    const running = p.units.findIndex((u) => u.state === 'running' || u.state === 'pending');
    const at = running < 0 ? p.units.length : running;
    const from = Math.max(0, Math.min(at - 3, p.units.length - ROWS));
    const shown = p.units.slice(from, from + ROWS);
    const lines: string[] = from > 0 ? [p.o.paint(`  … ${from} unit(s) above`, 'dim')] : [];
    for (const u of shown) {
      const word = p.word(u);
      const time = u.state === 'pending' ? '' : duration(p.elapsed(u)).padStart(8);
      // At most 2 + 2 + 9 + 30 + 12 + 8 columns: fits 80 as it is; only the word is coloured.
      lines.push(`  ${MARK[u.state] ?? ' '} ${p.tag(u)} ${fit(u.name, 30).padEnd(width)} ${paintAction(word.padEnd(11), u.state, o.paint)} ${time}`.trimEnd());
      if (u.state === 'running' && u.waitingOn && p.elapsed(u) >= waitAfter) lines.push(fit(`      ${p.waiting(u)}`, o.width));
      else if (u.state === 'running' && u.retry) lines.push(fit(`      ${u.retry}`, o.width));
    }
    const below = p.units.length - from - shown.length;
    if (below > 0) lines.push(p.o.paint(`  … ${below} more`, 'dim'));
    return lines;
  };
  const draw = () => {
    erase();
    const lines = rows();
    if (lines.length) out.write(lines.join('\n') + '\n');
    drawn = lines.length;
  };
  const sink: ProgressSink = (e) => {
    if (e.type === 'cancel') return;
    p.apply(e);
    if (e.type === 'units' && !timer) {
      out.write(`started ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}: ${e.names.length} unit(s) to run\n`);
      timer = setInterval(draw, 250).unref();
    }
    draw();
  };
  return {
    sink,
    note: (line) => {
      erase();
      out.write(`${fit(line, o.width)}\n`);
      draw();
    },
    finish: (wipe) => {
      clearInterval(timer);
      timer = undefined;
      if (wipe) erase();
      else if (drawn) draw();
    },
  };
}
