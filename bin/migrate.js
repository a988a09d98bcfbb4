#!/usr/bin/env node
'use strict';
const { main } = require('../dist/cli.js');

const argv = process.argv.slice(2);
// Ctrl-C / SIGTERM abort `interrupted`. A command that listens to it stops by itself: `up`,
// `remediate` and `rollback` cancel the running statement on the server, roll the unit back,
// release the lock and exit 1; the rehearsal removes its server. A command that does not
// listen ends as Node's default would. A second signal exits at once (the server rolls back
// the open unit when it sees the connection gone).
const { getEventListeners } = require('node:events');
const interrupted = new AbortController();
const SIGNAL_NUMBER = { SIGINT: 2, SIGTERM: 15 };
const onSignal = (sig) => {
  if (!interrupted.signal.aborted && getEventListeners(interrupted.signal, 'abort').length > 0) return interrupted.abort(sig);
  if (!interrupted.signal.aborted) {
    for (const s of Object.keys(SIGNAL_NUMBER)) process.removeListener(s, onSignal);
    return process.kill(process.pid, sig);
  }
  process.stderr.write(`${sig} again: exiting at once; the server rolls back the unit in flight once it sees the connection gone\n`);
  process.exit(128 + SIGNAL_NUMBER[sig]);
};
for (const sig of Object.keys(SIGNAL_NUMBER)) process.on(sig, onSignal);
// A reader that went away (`migrate status | head -2`) is not an error of ours: stop quietly,
// as a command killed by SIGPIPE would (the exit hooks still remove a rehearsal's server).
process.stdout.on('error', (err) => process.exit(err && err.code === 'EPIPE' ? 141 : 1));

main(argv, {
  signal: interrupted.signal,
  stdout: process.stdout,
  stderr: process.stderr,
  // Only a confirmation reads stdin: opening the stream costs every other command a few ms.
  get stdin() { return process.stdin; },
  env: process.env,
  interactive: Boolean(require('node:tty').isatty(0) && process.stdout.isTTY),
}).then(
  // Exit explicitly with the command's code, once stdout has drained.
  (code) => process.stdout.write('', () => process.exit(code)),
  (err) => {
    process.stderr.write(`error: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
