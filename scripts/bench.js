#!/usr/bin/env node
// npm run bench [-- --n 1000 --rounds 3 --database-url postgres://postgres@127.0.0.1:5432/postgres]
// Compares `migrate up` with one psql session applying the same N migrations (a table and
// an index each, each in BEGIN/COMMIT) on the same server, alternating, and prints medians
// and ratios; then times `migrate status`. It reports; it asserts nothing.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const postgres = require('postgres');

const args = require('yargs/yargs')(process.argv.slice(2))
  .option('n', { type: 'number', default: 1000 })
  .option('rounds', { type: 'number', default: 3 })
  .option('database-url', { type: 'string', describe: 'an admin URL; a scratch database is created beside it' })
  .option('embedded', { type: 'boolean', default: false, describe: 'use an embedded PostgreSQL 17 even when a local server answers' })
  .strict().parseSync();

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'migrate.js');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timed(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function server() {
  if (args['database-url']) return { url: args['database-url'], stop: async () => undefined, label: 'given server' };
  const probe = args.embedded ? { status: 1 } : spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
  if (probe.status === 0) return { url: 'postgres://postgres@127.0.0.1:5432/postgres', stop: async () => undefined, label: 'local PostgreSQL at 127.0.0.1:5432' };
  const { startEmbedded } = require(path.join(root, 'dist', 'db', 'embedded.js'));
  const s = await startEmbedded();
  return { url: s.url, stop: s.stop, label: 'embedded PostgreSQL' };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-bench-'));
  const migrations = path.join(dir, 'migrations');
  fs.mkdirSync(migrations);
  fs.mkdirSync(path.join(dir, 'phases'));
  let psqlScript = '';
  for (let i = 1; i <= args.n; i++) {
    const id = String(i).padStart(4, '0');
    const body = `create table bench_${id} (id bigint primary key, name text not null, created_at timestamptz default now());\ncreate index bench_${id}_name_idx on bench_${id} (name);\n`;
    fs.writeFileSync(path.join(migrations, `${id}_bench_${id}.sql`), body);
    psqlScript += `BEGIN;\n${body}COMMIT;\n`;
  }
  fs.writeFileSync(path.join(dir, 'all.sql'), psqlScript);

  const srv = await server();
  const admin = postgres(srv.url, { max: 1, onnotice: () => undefined });
  const dbUrl = (name) => { const u = new URL(srv.url); u.pathname = `/${name}`; return u.toString(); };
  const fresh = async (name) => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
    return dbUrl(name);
  };
  const [{ version }] = await admin`select current_setting('server_version') as version`;
  const ours = [];
  const psql = [];
  const status = [];
  try {
    for (let r = 0; r < args.rounds; r++) {
      const a = await fresh('migrate_bench_psql');
      psql.push(timed(() => execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', a, '-f', path.join(dir, 'all.sql')], { stdio: ['ignore', 'ignore', 'inherit'] })));
      const b = await fresh('migrate_bench_ours');
      ours.push(timed(() => execFileSync('node', [bin, 'up', '--database-url', b, '--migrations-dir', migrations, '--phases-dir', path.join(dir, 'phases')], { stdio: ['ignore', 'ignore', 'inherit'] })));
      if (r === args.rounds - 1) {
        for (let k = 0; k < 5; k++) status.push(timed(() => execFileSync('node', [bin, 'status', '--database-url', b, '--migrations-dir', migrations, '--phases-dir', path.join(dir, 'phases'), '--migrations-only'], { stdio: ['ignore', 'ignore', 'inherit'] })));
      }
    }
  } finally {
    await admin.unsafe('drop database if exists migrate_bench_psql with (force)').catch(() => undefined);
    await admin.unsafe('drop database if exists migrate_bench_ours with (force)').catch(() => undefined);
    await admin.end();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const mp = median(psql);
  const mo = median(ours);
  const fmt = (x) => `${(x / 1000).toFixed(2)} s`;
  console.log(`server: ${srv.label}, PostgreSQL ${version}; N = ${args.n} migrations (a table and an index each); ${args.rounds} rounds, alternating`);
  console.log(`psql session (BEGIN/COMMIT each): median ${fmt(mp)}   runs ${psql.map(fmt).join(', ')}`);
  console.log(`migrate up                      : median ${fmt(mo)}   runs ${ours.map(fmt).join(', ')}`);
  console.log(`ratio migrate/psql              : ${(mo / mp).toFixed(3)}  (target ≤ 1.15)`);
  console.log(`migrate status (${args.n} units, whole process): median ${Math.round(median(status))} ms   runs ${status.map((x) => Math.round(x)).join(', ')} ms  (target < 200 ms)`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
