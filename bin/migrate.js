#!/usr/bin/env node
'use strict';
const { main } = require('../dist/cli.js');

// Ctrl-C: the command stops what it started (the rehearsal's server); a second one is not
// intercepted here, so Node's default handling ends the process.
const interrupted = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => interrupted.abort());

main(process.argv.slice(2), {
  signal: interrupted.signal,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
