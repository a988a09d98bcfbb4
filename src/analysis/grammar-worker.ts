import { parentPort, workerData } from 'node:worker_threads';
import { grammarFor } from './grammar';
import { syntaxErrors } from './parse';

// The thread of analysis/grammar-thread.ts: the files' syntax errors in one major's grammar, posted back once.
const { files, major } = workerData as { files: Array<{ file: string; text: string }>; major: number };
grammarFor(major)
  .then((grammar) => (grammar ? syntaxErrors(files, grammar) : Promise.reject(new Error(`no parser of PostgreSQL ${major}`))))
  .then(
    (issues) => parentPort!.postMessage({ issues }),
    (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) }),
  );
