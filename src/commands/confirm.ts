import { createInterface } from 'node:readline';
import { UsageError } from '../errors';
import type { PlannedUnit } from '../engine/sequence';
import type { Target } from './common';
import type { ConfirmArgv, DryRunArgv } from './flags';
import type { Io } from './io';

/** What a change is about to do, as the person at the terminal is shown it before saying yes. */
export interface ChangeRequest {
  target: Target;
  /** The plan, one line each (already indented by the caller's taste). */
  lines: string[];
  /** "Apply 5 unit(s)", "Roll back 2 unit(s)". */
  question: string;
}

export type Confirm = (req: ChangeRequest) => Promise<boolean>;

export function describeTarget(t: Target): string {
  return `database ${t.database} on ${t.host}:${t.port} as ${t.user} (PostgreSQL ${t.serverVersion})`;
}

/**
 * How a command that changes production gets its yes: none needed for a dry run or with
 * --yes; asked on a terminal; refused (exit 2, before connecting) without one, because a
 * pipe such as `| tee run.log` must not turn "ask first" into "apply everything".
 */
export function confirmation(command: string, a: ConfirmArgv & Partial<DryRunArgv>, io: Io): Confirm | undefined {
  if (a.yes || a['dry-run']) return undefined;
  if (!io.interactive) {
    const which = io.stdin?.isTTY ? 'standard output' : 'standard input';
    throw new UsageError(`migrate ${command} changes the database and asks first, but ${which} is not a terminal; nothing was changed`,
      'run it on a terminal to be asked, or pass --yes (as a pipeline would); --dry-run changes nothing');
  }
  return (req) => ask(req, io);
}

async function ask(req: ChangeRequest, io: Io): Promise<boolean> {
  const out = io.stderr;
  out.write(`Target: ${describeTarget(req.target)}\n`);
  for (const line of req.lines) out.write(`${line}\n`);
  if (!io.stdin) return false;
  const rl = createInterface({ input: io.stdin, output: out });
  const answer = await new Promise<string>((resolve) => {
    rl.question(`${req.question} on ${req.target.database} at ${req.target.host}:${req.target.port}? [y/N] `, resolve);
    // Ctrl-D (end of input) is a no.
    rl.once('close', () => resolve(''));
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

/** A sequence's plan as the prompt shows it: what applies, what is skipped and why, the prechecks. */
export function planLines(plan: readonly PlannedUnit[]): string[] {
  const lines = ['The plan:'];
  for (const p of plan) {
    lines.push(`  ${p.action === 'apply' ? '→ apply' : '· skip '}  ${p.name}  ${p.title}${p.reason ? `  (${p.reason})` : ''}`);
    for (const c of p.precheck) lines.push(`        ${c.ok ? '✓' : '✗'} ${c.check}${c.detail ? `: ${c.detail}` : ''}`);
  }
  return lines;
}
