import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './project';

export const BIN = path.join(ROOT, 'bin', 'migrate.js');

export interface BinRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would from a shell, in `cwd`, with no terminal. */
export function runBin(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<BinRun> {
  return startBin(args, opts).result;
}

/** As runBin, with the process at hand (to signal it). */
export function startBin(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): { child: ChildProcess; result: Promise<BinRun> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { PATH: process.env.PATH, ...opts.env } });
  return { child, result: collect(child, opts.input) };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs a shell command line on a real pseudo-terminal (util-linux `script`), typing `input`.
 * A `migrate` that starts a command stands for the built CLI, so `migrate remediate | cat` is a pipe as a user's would be.
 */
export function runOnTerminal(commandLine: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<BinRun> {
  return collect(terminal(commandLine, opts), opts.input);
}

/**
 * As runOnTerminal, with the keyboard at hand: `type('\x03')` is Ctrl-C, which the terminal
 * turns into SIGINT for the command, as it would for a person. stdin stays open until `done()`.
 */
export function startOnTerminal(commandLine: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; type(keys: string): void; result: Promise<BinRun> } {
  const child = terminal(commandLine, opts);
  return { child, type: (keys) => child.stdin!.write(keys), result: collect(child, undefined, true) };
}

function terminal(commandLine: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  const line = commandLine.replace(/(^|[;|&]\s*)migrate /g, (_m, lead) => `${lead}${quote(process.execPath)} ${quote(BIN)} `);
  return spawn('script', ['-qec', line, '/dev/null'], { cwd: opts.cwd ?? ROOT, env: { PATH: process.env.PATH, TERM: 'dumb', ...opts.env } });
}

function collect(child: ChildProcess, input?: string, keepOpen = false): Promise<BinRun> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  // Typed a moment later, as a person answers the question once it is shown.
  if (input !== undefined) setTimeout(() => child.stdin!.end(input), 50);
  else if (!keepOpen) child.stdin!.end();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
