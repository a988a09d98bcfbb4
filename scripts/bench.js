#!/usr/bin/env node
// npm run bench [-- --n 1000 --rounds 3 --peers --quick --database-url postgres://postgres@127.0.0.1:5432/postgres]
//
// Generates N units WITH down steps (a table and an index each; the down step drops the table)
// and applies them with `migrate up` and with one psql session (each unit in BEGIN/COMMIT), pair
// by pair on fresh databases of the same server (ours, psql, ours, psql…), so that drift of a
// busy machine falls on both sides; with --peers also node-pg-migrate, dbmate and
// graphile-migrate, each on the same units in its own format. Then: the same with 2,000 tables
// already in the database; `migrate status` over N and 10,000 applied units; the history's
// bytes per unit; `migrate plan` over a migration of 1 MB of SQL; `migrate verify` of the
// remediated database with 5,000 unrelated tables added; `migrate --help`. Prints a Markdown
// table of medians, ratios and peak memory and writes it to docs/BENCHMARKS.md. It reports; it
// asserts nothing.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const postgres = require('postgres');

const args = require('yargs/yargs')(process.argv.slice(2))
  .option('n', { type: 'number', describe: 'units per run (default 1000; 200 with --quick)' })
  .option('rounds', { type: 'number', describe: 'pairs per case (default 3; 2 with --quick)' })
  .option('quick', { type: 'boolean', default: false, describe: 'a short run: N = 200, 2 rounds, 500 existing tables, no 10,000-unit status, verify with 1,000 extra tables' })
  .option('peers', { type: 'boolean', default: false, describe: 'also node-pg-migrate, dbmate and graphile-migrate (dev dependencies)' })
  .option('existing-tables', { type: 'number', describe: 'tables already in the database for the "busy catalog" case (default 2000; 500 with --quick)' })
  .option('status-units', { type: 'number', describe: 'the large history `status` is timed over (default 10000; 0 skips it)' })
  .option('plan-kb', { type: 'number', describe: 'size of the one migration `plan` is timed over, in KiB of SQL (default 1024; 0 skips it)' })
  .option('verify-tables', { type: 'number', describe: 'unrelated tables added to the remediated database `verify` is timed on (default 5000; 1000 with --quick; 0 skips it)' })
  .option('out', { type: 'string', default: path.join(__dirname, '..', 'docs', 'BENCHMARKS.md'), describe: 'where the Markdown report goes ("" for nowhere)' })
  .option('database-url', { type: 'string', describe: 'an admin URL; scratch databases are created beside it' })
  .option('embedded', { type: 'boolean', default: false, describe: 'use an embedded PostgreSQL 17 even when a local server answers' })
  .strict().parseSync();

const quick = args.quick;
const N = args.n ?? (quick ? 200 : 1000);
const ROUNDS = args.rounds ?? (quick ? 2 : 3);
const EXISTING = args['existing-tables'] ?? (quick ? 500 : 2000);
const STATUS_UNITS = args['status-units'] ?? (quick ? 0 : 10000);
const PLAN_KB = args['plan-kb'] ?? 1024;
const VERIFY_TABLES = args['verify-tables'] ?? (quick ? 1000 : 5000);
/** Whole-process runs per "other figure" (plan, verify, status, --help). */
const FIGURE_RUNS = 5;

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'migrate.js');
const nodeBin = (name) => path.join(root, 'node_modules', '.bin', name);
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs a command to its end: wall time (ms) and peak resident memory (MiB, from GNU time), or throws with its stderr. */
function run(cmd, argv, env = {}, cwd = undefined) {
  const rss = path.join(os.tmpdir(), `bench-rss-${process.pid}`);
  const [file, list] = TIME ? [TIME, ['-f', '%M', '-o', rss, cmd, ...argv]] : [cmd, argv];
  const t = process.hrtime.bigint();
  const r = spawnSync(file, list, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.slice(0, 3).join(' ')} … exited ${r.status}: ${String(r.stderr).slice(-2000)}`);
  const mib = TIME ? Number(fs.readFileSync(rss, 'utf8').trim().split('\n').pop()) / 1024 : NaN;
  return { ms, mib };
}

// ---------------------------------------------------------------------------------------------
// The units, in each tool's format.

function unitSql(id) {
  return {
    up: `create table bench_${id} (id bigint primary key, name text not null, created_at timestamptz default now());\ncreate index bench_${id}_name_idx on bench_${id} (name);\n`,
    down: `drop table bench_${id};\n`,
  };
}

function generate(dir, n) {
  const d = {
    ours: path.join(dir, 'ours', 'migrations'),
    oursPhases: path.join(dir, 'ours', 'phases'),
    oursNoDown: path.join(dir, 'ours-nodown', 'migrations'),
    psql: path.join(dir, 'all.sql'),
    npm: path.join(dir, 'node-pg-migrate'),
    dbmate: path.join(dir, 'dbmate'),
    graphile: path.join(dir, 'graphile'),
  };
  for (const k of ['ours', 'oursPhases', 'oursNoDown', 'npm', 'dbmate']) fs.mkdirSync(d[k], { recursive: true });
  fs.mkdirSync(path.join(d.graphile, 'migrations', 'committed'), { recursive: true });
  // graphile-migrate's committed files chain sha1 hashes (its hash.js: previous + "\n" + body).
  const { createHash } = require('node:crypto');
  let previous = null;
  let psql = '';
  for (let i = 1; i <= n; i++) {
    const id = String(i).padStart(5, '0');
    const { up, down } = unitSql(id);
    fs.writeFileSync(path.join(d.ours, `${id}_bench_${id}.sql`), up);
    fs.writeFileSync(path.join(d.ours, `${id}_bench_${id}.down.sql`), down);
    fs.writeFileSync(path.join(d.oursNoDown, `${id}_bench_${id}.sql`), up);
    psql += `BEGIN;\n${up}COMMIT;\n`;
    fs.writeFileSync(path.join(d.npm, `${id}_bench_${id}.sql`), `-- Up Migration\n${up}\n-- Down Migration\n${down}`);
    fs.writeFileSync(path.join(d.dbmate, `${id}_bench_${id}.sql`), `-- migrate:up\n${up}\n-- migrate:down\n${down}`);
    // graphile-migrate is forward-only: it has no down step to give.
    const body = `${up.trim()}\n`;
    const hash = `sha1:${createHash('sha1').update(`${((previous ?? '') + '\n' + body.trim()).trim()}\n`).digest('hex')}`;
    fs.writeFileSync(path.join(d.graphile, 'migrations', 'committed', `${String(i).padStart(6, '0')}.sql`), `--! Previous: ${previous ?? '-'}\n--! Hash: ${hash}\n\n${body}`);
    previous = hash;
  }
  fs.writeFileSync(d.psql, psql);
  fs.writeFileSync(path.join(d.graphile, '.gmrc'), JSON.stringify({ migrationsFolder: './migrations' }));
  return d;
}

/**
 * One migration of about `kb` KiB, shaped like a large real one (a schema dump with its seed
 * data): per entity a table with an identity key, defaults and a check, an index, a comment, a
 * PL/pgSQL trigger function and its trigger, and a multi-row INSERT of 20 rows.
 */
function bigMigration(kb) {
  const parts = ['-- A large migration: a schema and its seed data, in one file.\n'];
  let size = parts[0].length;
  let i = 0;
  while (size < kb * 1024) {
    i++;
    const t = `app_item_${i}`;
    const rows = Array.from({ length: 20 }, (_, k) => `  (${k + 1}, 'item ${i}-${k} ''quoted''', '${['new', 'active', 'archived'][k % 3]}', '{"n": ${k}, "tags": ["a", "b"]}')`);
    const part = [
      `\ncreate table ${t} (\n  id bigint generated always as identity primary key,\n  org_id bigint not null,\n  name text not null,\n`
        + `  status text not null default 'new' check (status in ('new', 'active', 'archived')),\n  payload jsonb,\n  created_at timestamptz not null default now()\n);\n`,
      `create index ${t}_org_idx on ${t} (org_id, created_at desc);\n`,
      `comment on table ${t} is 'items of kind ${i}';\n`,
      `create or replace function ${t}_touch() returns trigger language plpgsql as $$\nbegin\n  if new.status is distinct from old.status then\n`
        + `    new.payload := coalesce(new.payload, '{}'::jsonb) || jsonb_build_object('changed', now());\n  end if;\n  return new;\nend;\n$$;\n`,
      `create trigger ${t}_touch before update on ${t} for each row execute function ${t}_touch();\n`,
      `insert into ${t} (org_id, name, status, payload) values\n${rows.join(',\n')};\n`,
    ].join('');
    parts.push(part);
    size += part.length;
  }
  return { sql: parts.join(''), statements: 6 * i };
}

// ---------------------------------------------------------------------------------------------

async function server() {
  if (args['database-url']) return { url: args['database-url'], stop: async () => undefined, label: 'given server' };
  const probe = args.embedded ? { status: 1 } : spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
  if (probe.status === 0) return { url: 'postgres://postgres@127.0.0.1:5432/postgres', stop: async () => undefined, label: 'local PostgreSQL at 127.0.0.1:5432' };
  const { startEmbedded } = require(path.join(root, 'dist', 'db', 'embedded.js'));
  const s = await startEmbedded();
  return { url: s.url, stop: s.stop, label: 'embedded PostgreSQL' };
}

/**
 * Waits for the server's background work that the previous case caused (dirty buffers of thousands
 * of new tables, autovacuum's analyze of them) to finish, so that a whole-process figure measures
 * the command, not the checkpointer: a CHECKPOINT, then until no autovacuum worker runs (at most 60 s).
 */
async function settle(admin) {
  await admin.unsafe('checkpoint');
  for (let waited = 0; waited < 60000; waited += 500) {
    const [{ n }] = await admin`select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'`;
    if (n === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 1000));
}

function loadAverage() {
  return os.loadavg().map((x) => x.toFixed(2)).join(' / ');
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-bench-'));
  const files = generate(dir, N);
  const srv = await server();
  const admin = postgres(srv.url, { max: 1, onnotice: () => undefined });
  const dbUrl = (name) => {
    const u = new URL(srv.url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const prefix = `mbench_${process.pid}`;
  const created = new Set();
  const fresh = async (name, template) => {
    const full = `${prefix}_${name}`;
    await admin.unsafe(`drop database if exists "${full}" with (force)`);
    await admin.unsafe(`create database "${full}"${template ? ` template "${template}"` : ''}`);
    created.add(full);
    return dbUrl(full);
  };
  const dropNow = async (name) => {
    await admin.unsafe(`drop database if exists "${prefix}_${name}" with (force)`);
    created.delete(`${prefix}_${name}`);
  };
  const [{ version }] = await admin`select current_setting('server_version') as version`;
  const loadBefore = loadAverage();
  const started = Date.now();

  const ours = (url, migrations = files.ours) => run('node', [bin, 'up', '--database-url', url, '--migrations-dir', migrations, '--phases-dir', files.oursPhases]);
  const psql = (url) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', files.psql]);
  const tools = {
    ours: { label: '`migrate up`', run: (url) => ours(url) },
    psql: { label: 'psql session', run: psql },
    oursNoDown: { label: '`migrate up`, no down files', run: (url) => ours(url, files.oursNoDown) },
    npm: { label: 'node-pg-migrate', run: (url) => run(nodeBin('node-pg-migrate'), ['up', '-m', files.npm, '--no-single-transaction', '--no-check-order'], { DATABASE_URL: url }) },
    dbmate: { label: 'dbmate', run: (url) => run(nodeBin('dbmate'), ['--url', `${url}?sslmode=disable`, '--migrations-dir', files.dbmate, '--no-dump-schema', 'up']) },
    // graphile-migrate reads .gmrc from its working directory.
    graphile: { label: 'graphile-migrate (no down steps)', run: (url) => run(nodeBin('graphile-migrate'), ['migrate'], { DATABASE_URL: url }, files.graphile) },
  };
  const order = ['ours', 'psql', 'oursNoDown', ...(args.peers ? ['npm', 'dbmate', 'graphile'] : [])];
  const results = Object.fromEntries(order.map((k) => [k, []]));
  const busy = { ours: [], psql: [] };
  let historyBytes;
  const status = {};
  const help = [];
  // `node -e 0` alternating with the --help runs: what Node alone costs on the machine at that moment.
  const control = [];
  let planFigure;
  let verifyFigure;
  try {
    // 1. N units with down steps on an empty database, pair by pair. Each run's database is
    // dropped at once and the server settled (checkpoint, autovacuum done) before the next run:
    // otherwise each run pays for the previous one's dirty buffers and its analyze of N new tables.
    for (let r = 0; r < ROUNDS; r++) {
      for (const k of order) {
        const url = await fresh(k);
        results[k].push(tools[k].run(url));
        if (k === 'ours' && r === ROUNDS - 1) historyBytes = await history(url);
        process.stderr.write(`round ${r + 1}/${ROUNDS} ${k}: ${(results[k].at(-1).ms / 1000).toFixed(2)} s\n`);
        await dropNow(k);
        await settle(admin);
      }
    }
    // 2. The same with EXISTING tables already there (a template copied for each run).
    if (EXISTING > 0) {
      const tpl = `${prefix}_tpl`;
      await admin.unsafe(`drop database if exists "${tpl}" with (force)`);
      await admin.unsafe(`create database "${tpl}"`);
      created.add(tpl);
      const t = postgres(dbUrl(tpl), { max: 1, onnotice: () => undefined });
      await t.unsafe(`do $$ begin for i in 1..${EXISTING} loop execute format('create table existing_%s (id bigint primary key, name text, at timestamptz default now())', i); end loop; end $$`);
      await t.end();
      await settle(admin);
      for (let r = 0; r < ROUNDS; r++) {
        for (const k of ['ours', 'psql']) {
          busy[k].push(tools[k].run(await fresh(`busy_${k}`, tpl)));
          process.stderr.write(`busy catalog round ${r + 1}/${ROUNDS} ${k}: ${(busy[k].at(-1).ms / 1000).toFixed(2)} s\n`);
          await dropNow(`busy_${k}`);
          await settle(admin);
        }
      }
    }
    // 3. status over N applied units (the last "ours" database of step 1 is gone: a new one).
    const statusOver = async (n, migrations) => {
      const url = await fresh(`status_${n}`);
      ours(url, migrations);
      await settle(admin);
      const times = [];
      for (let k = 0; k < 5; k++) times.push(run('node', [bin, 'status', '--database-url', url, '--migrations-dir', migrations, '--phases-dir', files.oursPhases, '--migrations-only']));
      return times;
    };
    status[N] = await statusOver(N, files.ours);
    if (STATUS_UNITS > 0) {
      const big = generate(path.join(dir, 'big'), STATUS_UNITS);
      process.stderr.write(`applying ${STATUS_UNITS} units for the status case…\n`);
      status[STATUS_UNITS] = await statusOver(STATUS_UNITS, big.ours);
    }
    // 4. plan over one migration of PLAN_KB KiB of SQL, on an empty database (nothing applied).
    if (PLAN_KB > 0) {
      const migrations = path.join(dir, 'plan', 'migrations');
      const phases = path.join(dir, 'plan', 'phases');
      fs.mkdirSync(migrations, { recursive: true });
      fs.mkdirSync(phases, { recursive: true });
      const { sql, statements } = bigMigration(PLAN_KB);
      fs.writeFileSync(path.join(migrations, '0001_large_schema_and_seed.sql'), sql);
      const url = await fresh('plan');
      await settle(admin);
      const times = [];
      for (let k = 0; k < FIGURE_RUNS; k++) times.push(run('node', [bin, 'plan', '--json', '--database-url', url, '--migrations-dir', migrations, '--phases-dir', phases]));
      planFigure = { times, bytes: Buffer.byteLength(sql), statements };
      process.stderr.write(`plan over ${(planFigure.bytes / 2 ** 20).toFixed(2)} MiB: ${Math.round(median(times.map((x) => x.ms)))} ms\n`);
    }
    // 5. verify of the remediated database (baseline, then remediate) with VERIFY_TABLES unrelated tables added.
    if (VERIFY_TABLES > 0) {
      const url = await fresh('verify');
      const shipped = ['--migrations-dir', path.join(root, 'database', 'migrations'), '--phases-dir', path.join(root, 'phases')];
      run('node', [bin, '--database-url', url, 'baseline', '--dir', path.join(root, 'database', 'baseline')]);
      run('node', [bin, '--database-url', url, ...shipped, 'remediate', '--yes']);
      const v = postgres(url, { max: 1, onnotice: () => undefined });
      // A commit every 500 tables: one transaction would run out of lock slots (max_locks_per_transaction).
      await v.unsafe(`do $$ begin for i in 1..${VERIFY_TABLES} loop
                        execute format('create table unrelated_%s (id bigint primary key, name text, at timestamptz default now())', i);
                        if i % 500 = 0 then commit; end if; end loop; end $$`);
      await v.end();
      await settle(admin);
      const times = [];
      // Exit 0 only when every task passes: a run that does not approve stops the benchmark.
      for (let k = 0; k < FIGURE_RUNS; k++) times.push(run('node', [bin, '--database-url', url, ...shipped, 'verify']));
      verifyFigure = { times };
      process.stderr.write(`verify with ${VERIFY_TABLES} extra tables: ${Math.round(median(times.map((x) => x.ms)))} ms\n`);
    }
    await settle(admin);
    for (let k = 0; k < FIGURE_RUNS; k++) {
      help.push(run('node', [bin, '--help']));
      control.push(run('node', ['-e', '0']));
    }
  } finally {
    for (const name of created) await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => undefined);
    await admin.end();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const mp = median(results.psql.map((x) => x.ms));
  const rows = order.map((k) => {
    const ms = median(results[k].map((x) => x.ms));
    return `| ${tools[k].label} | ${fmt(ms)} | ${(ms / mp).toFixed(2)}× | ${median(results[k].map((x) => x.mib)).toFixed(0)} MiB | ${results[k].map((x) => fmt(x.ms)).join(', ')} |`;
  });
  const lines = [
    `N = ${N} units with down steps (a table and an index each; the down step drops the table), ${ROUNDS} rounds on fresh databases, each tool in turn (${order.join(', ')}), each run on a settled server (the previous run's database dropped, a checkpoint, no autovacuum worker running); medians.`,
    '',
    '| tool | median | against psql | peak memory | runs |',
    '|---|---|---|---|---|',
    ...rows,
  ];
  if (EXISTING > 0) {
    const bo = median(busy.ours.map((x) => x.ms));
    const bp = median(busy.psql.map((x) => x.ms));
    lines.push('', `With ${EXISTING} tables already in the database (same N, ${ROUNDS} pairs):`, '',
      '| tool | median | against psql | against the empty database | runs |', '|---|---|---|---|---|',
      `| \`migrate up\` | ${fmt(bo)} | ${(bo / bp).toFixed(2)}× | ${(bo / median(results.ours.map((x) => x.ms))).toFixed(2)}× | ${busy.ours.map((x) => fmt(x.ms)).join(', ')} |`,
      `| psql session | ${fmt(bp)} | 1.00× | ${(bp / mp).toFixed(2)}× | ${busy.psql.map((x) => fmt(x.ms)).join(', ')} |`);
  }
  lines.push('', '| other figure | value |', '|---|---|');
  for (const [n, times] of Object.entries(status)) {
    lines.push(`| \`migrate status\` over ${Number(n).toLocaleString('en')} applied units (whole process, median of 5) | ${Math.round(median(times.map((x) => x.ms)))} ms, ${median(times.map((x) => x.mib)).toFixed(0)} MiB |`);
  }
  const figure = (times) => `${Math.round(median(times.map((x) => x.ms)))} ms, ${median(times.map((x) => x.mib)).toFixed(0)} MiB`;
  if (planFigure) {
    lines.push(`| \`migrate plan\` over one migration of ${(planFigure.bytes / 2 ** 20).toFixed(2)} MiB of SQL (${planFigure.statements.toLocaleString('en')} statements: tables, indexes, PL/pgSQL functions, triggers, INSERTs), whole process, median of ${FIGURE_RUNS} | ${figure(planFigure.times)} |`);
  }
  if (verifyFigure) {
    lines.push(`| \`migrate verify\` of the remediated database with ${VERIFY_TABLES.toLocaleString('en')} unrelated tables added (whole process, median of ${FIGURE_RUNS}) | ${figure(verifyFigure.times)} |`);
  }
  lines.push(`| \`migrate --help\` (median of ${FIGURE_RUNS}; \`node -e 0\` alternating with it: ${Math.round(median(control.map((x) => x.ms)))} ms) | ${Math.round(median(help.map((x) => x.ms)))} ms |`);
  if (historyBytes) {
    lines.push(`| history per unit, on disk (migrate.history + migrate.unit_state, with indexes and TOAST) | ${Math.round(historyBytes.disk / N).toLocaleString('en')} bytes |`);
    lines.push(`| history per unit, row bytes (history rows + proof rows) | ${Math.round(historyBytes.rows / N).toLocaleString('en')} bytes (${Math.round(historyBytes.proof / N).toLocaleString('en')} of them the rollback proof) |`);
  }
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${os.type()} ${os.release()}`;
  const header = [
    `Machine: ${machine}. Node ${process.version}. PostgreSQL ${version} (${srv.label}).`,
    `Load average (1/5/15 min) at the start: ${loadBefore}; at the end: ${loadAverage()}; the run took ${Math.round((Date.now() - started) / 1000)} s.`,
    `Peak memory is the maximum resident set size of the whole process (GNU time).`,
  ];
  const table = [...header, '', ...lines].join('\n');
  console.log(table);
  if (args.out) {
    const doc = [
      '# Benchmarks',
      '',
      `Written by \`npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (scripts/bench.js).`,
      'The machine is shared with other work: compare the columns of one run with each other, not runs',
      'with each other. A psql-against-psql control pair on a busy machine has ranged 0.70–1.45, so',
      'differences under about 20 % are ties.',
      '',
      table,
      '',
    ].join('\n');
    fs.writeFileSync(args.out, doc);
    process.stderr.write(`written to ${path.relative(process.cwd(), args.out)}\n`);
  }

  async function history(url) {
    const s = postgres(url, { max: 1, onnotice: () => undefined });
    try {
      const [row] = await s`select pg_total_relation_size('migrate.history') + coalesce(pg_total_relation_size(to_regclass('migrate.unit_state')), 0) as disk,
                                   (select sum(pg_column_size(h.*)) from migrate.history h) as hist,
                                   coalesce((select sum(pg_column_size(u.*)) from migrate.unit_state u), 0) as proof`;
      return { disk: Number(row.disk), rows: Number(row.hist) + Number(row.proof), proof: Number(row.proof) };
    } finally {
      await s.end();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
