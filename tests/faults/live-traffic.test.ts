import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import { runBin } from '../harness/bin';
import { runCli } from '../harness/cli';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { SHIPPED } from '../harness/project';
import { report } from './support';

/**
 * Six application clients write throughout `migrate remediate` on the baseline, in short
 * transactions that touch two or three of the tables 0023 locks (customer, organization once
 * phase 01 created it, users). In the first case every client takes them in one order, as an
 * application that avoids deadlocks does: customer before organization before users. That
 * order deadlocked a runner that took its locks as its statements went (users and
 * organization first, customer later: issue 11). The remediation must succeed and no
 * application transaction may fail; the worst added latency is printed.
 *
 * In the second case half the clients take users before customer and half customer before
 * users, with no pause between transactions. No runner can hold SHARE ROW EXCLUSIVE on both
 * while both kinds keep a transaction open on one and waiting for the other; this runner
 * gives way instead of fighting: no application transaction fails, and the run either
 * finishes or stops with exit 5 after its retries, a unit never half-applied.
 */
const ROUNDS = 2;
const UNITS = ['01-organization', '02-auth', '0023_sync_infrastructure', '04-smoke-test-data', '0024_sync_preview_progress_logs'];

interface Traffic {
  stop(): Promise<void>;
  /** Latencies (ms) of committed transactions, with when they started (performance.now()). */
  done: Array<{ at: number; ms: number }>;
  failures: string[];
}

type Workload = 'one order' | 'opposite orders';

function traffic(db: TestDatabase, customers: string[], workload: Workload): Traffic {
  const done: Traffic['done'] = [];
  const failures: string[] = [];
  let running = true;
  const pick = () => customers[Math.floor(Math.random() * customers.length)];
  const email = () => `app-${randomBytes(6).toString('hex')}@example.com`;
  const clients = Array.from({ length: 6 }, (_, i) => postgres(db.url, { max: 1, onnotice: () => undefined, connection: { application_name: `app-${i}` } }));
  const loops = clients.map(async (sql, i) => {
    while (running) {
      const started = performance.now();
      try {
        await sql.begin(async (tx) => {
          const orgExists = async () => (await tx`select to_regclass('public.organization') is not null as org`)[0].org;
          const customer = () => tx`update customer set updated_at = now() where id = ${pick()}`;
          const user = () => tx`insert into users (email) values (${email()})`;
          const org = async () => {
            if (await orgExists()) await tx`insert into organization (name, slug) values ('app', ${`app-${randomBytes(6).toString('hex')}`})`;
          };
          const steps = workload === 'opposite orders'
            ? (i % 2 === 0 ? [user, customer] : [customer, user])
            : [[customer, user], [customer, org, user], [org, user]][i % 3];
          for (const step of steps) await step();
        });
        done.push({ at: started, ms: performance.now() - started });
      } catch (err) {
        failures.push(`app-${i}: ${(err as Error).message}`);
      }
      if (workload === 'one order') await new Promise((r) => setTimeout(r, 5));
    }
  });
  return {
    done,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.end()));
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number) => Math.round(x * 10) / 10;

/** One round on a fresh baseline: traffic for 1.5 s, then remediate while it goes on. */
async function trafficRound(workload: Workload, label: string, flags: string[] = []) {
  const db = await freshDatabase('live_traffic');
  try {
    const loaded = await runCli(['--database-url', db.url, 'baseline']);
    expect(loaded.code).toBe(0);
    const customers = (await db.sql<{ id: string }[]>`select id from customer`).map((r) => r.id);
    const t = traffic(db, customers, workload);
    await new Promise((r) => setTimeout(r, 1500));
    const runStarted = performance.now();
    const run = await runBin(['--database-url', db.url, ...SHIPPED, 'remediate', '--yes', '--json', ...flags]);
    const runEnded = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    await t.stop();
    const out = JSON.parse(run.stdout || '{}');
    const before = t.done.filter((d) => d.at < runStarted).map((d) => d.ms);
    const during = t.done.filter((d) => d.at >= runStarted && d.at <= runEnded).map((d) => d.ms);
    report(label, {
      exit: run.code,
      runS: round((runEnded - runStarted) / 1000),
      attempts: Object.fromEntries((out.units ?? []).map((u: { name: string; attempts?: number }) => [u.name, u.attempts])),
      lockWaitMs: Object.fromEntries((out.units ?? []).map((u: { name: string; lockWaitMs?: number }) => [u.name, u.lockWaitMs])),
      appTransactions: t.done.length + t.failures.length,
      duringRun: during.length,
      failed: t.failures.length,
      medianBeforeMs: round(median(before)),
      worstBeforeMs: round(Math.max(0, ...before)),
      worstDuringMs: round(Math.max(0, ...during)),
      worstAddedMs: round(Math.max(0, ...during) - median(before)),
    });
    expect(t.failures).toEqual([]);
    expect(during.length).toBeGreaterThan(0);
    // Every committed application row is there.
    const [{ users }] = await db.sql`select count(*)::int as users from users where email like 'app-%'`;
    expect(users).toBe(t.done.length);
    // Catalog and history agree: each unit the run reports applied has one applied row and its objects; the others none.
    const applied = (out.units ?? []).filter((u: { action: string }) => u.action === 'applied').map((u: { name: string }) => u.name);
    const rows = await db.sql`select unit, count(*)::int as n from migrate.history where event = 'applied' group by unit`;
    expect(rows.map((r) => `${r.unit}:${r.n}`).sort()).toEqual(applied.map((u: string) => `${u}:1`).sort());
    const [{ queue }] = await db.sql`select to_regclass('public.woo_customer_sync_queue') is not null as queue`;
    expect(queue).toBe(applied.includes('0023_sync_infrastructure'));
    return { run, out };
  } finally {
    await db.drop();
  }
}

test('six clients taking their tables in one order: remediate succeeds every round, no application transaction fails', async () => {
  for (let n = 1; n <= ROUNDS; n++) {
    const { run, out } = await trafficRound('one order', `six clients (one order) during remediate, round ${n}`);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(out.units.map((u: { name: string; action: string }) => `${u.name} ${u.action}`)).toEqual(UNITS.map((u) => `${u} applied`));
  }
});

test('six clients taking users and customer in opposite orders: the runner gives way; no application transaction fails', async () => {
  const { run, out } = await trafficRound('opposite orders', 'six clients (opposite orders, no pause) during remediate', ['--lock-retries', '4']);
  expect([0, 5]).toContain(run.code);
  if (run.code === 5) expect(out.error.message).toMatch(/could not lock public\.(users|customer)/);
});
