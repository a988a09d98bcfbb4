#!/usr/bin/env node
// npm run baseline -- --database-url URL: loads database/baseline into that database.
'use strict';
const { main } = require('../dist/cli.js');

main(['baseline', ...process.argv.slice(2)], {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  interactive: false,
}).then((code) => {
  process.exitCode = code;
});
