import Module from 'node:module';

/**
 * umzug's entry point also loads its own command-line front end (@rushstack/ts-command-line),
 * about 80 ms of start-up on every run. This tool drives umzug through its programmatic API
 * only (never getCli or runAsCLI), so that one module is replaced by an empty one before
 * umzug loads. If umzug moves the file, the shim does nothing and umzug loads as usual.
 */
function skipUmzugCli(): void {
  try {
    const file = require.resolve('umzug/lib/cli.js');
    if (require.cache[file]) return;
    const stub = new Module(file);
    stub.filename = file;
    stub.loaded = true;
    stub.exports = {};
    require.cache[file] = stub;
  } catch {
    // not resolvable: nothing to skip
  }
}

skipUmzugCli();

// Loaded after the shim on purpose.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { Umzug } = require('umzug') as typeof import('umzug');
export type { UmzugStorage } from 'umzug';
