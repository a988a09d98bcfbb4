import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { grammarFor, hasGrammar } from './grammar';
import { syntaxErrors } from './parse';
import type { SqlSyntaxIssue } from './types';

const WORKER = path.join(__dirname, 'grammar-worker.js');

/**
 * syntaxErrors(files, grammar of `major`), on a worker thread: the check in the server's
 * grammar parses every file once more, and on a thread of its own it runs beside the caller's
 * own parse and analysis (plan's, PostgreSQL 17's) instead of after them. Undefined when no
 * parser of that major is installed (the server checks then, engine/syntax.ts). Never rejects:
 * a thread that cannot start or fails (or the TypeScript sources, which have no compiled worker)
 * gives the same answer computed on this thread.
 */
export function syntaxErrorsAside(files: ReadonlyArray<{ file: string; text: string }>, major: number, worker = WORKER): Promise<SqlSyntaxIssue[]> | undefined {
  if (!hasGrammar(major)) return undefined;
  const here = async () => syntaxErrors(files, await grammarFor(major));
  const answer = existsSync(worker) ? onThread(files, major, worker).then((issues) => issues ?? here()) : here();
  // Awaited later: a caller that fails first must not leave an unhandled rejection behind (its own error is the one shown).
  answer.catch(() => undefined);
  return answer;
}

/** The worker's answer, or undefined when it could not give one. */
function onThread(files: ReadonlyArray<{ file: string; text: string }>, major: number, worker: string): Promise<SqlSyntaxIssue[] | undefined> {
  return new Promise<SqlSyntaxIssue[] | undefined>((resolve) => {
    let t: Worker;
    try {
      t = new Worker(worker, { workerData: { files, major } });
    } catch {
      return resolve(undefined);
    }
    // The process does not wait for the thread: a command that fails first exits as before.
    t.unref();
    t.once('message', (m: { issues?: SqlSyntaxIssue[] }) => resolve(m.issues));
    t.once('error', () => resolve(undefined));
    t.once('exit', () => resolve(undefined));
  });
}
