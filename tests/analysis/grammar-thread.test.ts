import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { syntaxErrorsAside } from '../../src/analysis/grammar-thread';
import { ROOT } from '../harness/project';
import { tempDir } from '../harness/tmp';

// The compiled worker (npm run build): the TypeScript sources have none, and compute on their own thread.
const WORKER = path.join(ROOT, 'dist', 'analysis', 'grammar-worker.js');
const NO_ALIAS = { file: 'v.sql', text: 'CREATE TABLE t (a int);\n\nCREATE VIEW v AS\n  SELECT * FROM (SELECT a FROM t);\n' };
const FINE = { file: 'ok.sql', text: 'create table u (id int primary key);\n' };
const ERROR_ON_15 = [{ file: 'v.sql', line: 4, column: 17, message: 'subquery in FROM must have an alias' }];

describe("the server grammar's syntax check on a worker thread", () => {
  test('the compiled worker is there (the check runs on its own thread)', () => {
    expect(existsSync(WORKER)).toBe(true);
  });

  test('it finds what the grammar of that major refuses, file, line and column, and nothing where that grammar accepts it', async () => {
    expect(await syntaxErrorsAside([FINE, NO_ALIAS], 15, WORKER)).toEqual(ERROR_ON_15);
    expect(await syntaxErrorsAside([FINE, NO_ALIAS], 13, WORKER)).toEqual(ERROR_ON_15);
    expect(await syntaxErrorsAside([FINE, NO_ALIAS], 16, WORKER)).toEqual([]);
  });

  test("the thread's answer is the one returned (the check really ran there)", async () => {
    const stand = path.join(tempDir('grammar-thread-'), 'stand-in.js');
    writeFileSync(stand, "require('node:worker_threads').parentPort.postMessage({ issues: [{ file: 'from-the-thread.sql', line: 1, column: 1, message: 'posted' }] });\n");
    expect(await syntaxErrorsAside([FINE], 15, stand)).toEqual([{ file: 'from-the-thread.sql', line: 1, column: 1, message: 'posted' }]);
  });

  test('no parser of that major: undefined (the server checks); no worker file: the same answer from this thread', async () => {
    expect(syntaxErrorsAside([NO_ALIAS], 14, WORKER)).toBeUndefined();
    expect(await syntaxErrorsAside([FINE, NO_ALIAS], 15, path.join(ROOT, 'dist', 'analysis', 'no-such-worker.js'))).toEqual(ERROR_ON_15);
  });
});
