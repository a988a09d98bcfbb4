#!/usr/bin/env node
'use strict';
const { main } = require('../dist/cli.js');

const argv = process.argv.slice(2);
// The rehearsal removes the server it started on Ctrl-C. Every other command keeps Node's
// default: the process ends, the connection drops, and the server rolls back the open unit.
const interrupted = new AbortController();
// A reader that went away (`migrate status | head -2`) is not an error of ours: stop quietly,
// as a command killed by SIGPIPE would (the exit hooks still remove a rehearsal's server).
process.stdout.on('error', (err) => process.exit(err && err.code === 'EPIPE' ? 141 : 1));
if (argv.includes('rehearse')) for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => interrupted.abort());

main(argv, {
  signal: interrupted.signal,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
}).then(
  // Exit explicitly with the command's code, once stdout has drained.
  (code) => process.stdout.write('', () => process.exit(code)),
  (err) => {
    process.stderr.write(`error: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
