import { freshDatabase, type TestDatabase } from '../harness/database';
import { migrationsProject } from '../harness/fixtures';
import { startProxy, type FaultProxy } from '../harness/proxy';

/**
 * One fault case: a fresh database with a `counter` table (one row per unit), units that each
 * add 1 to their own row, so a unit applied twice shows as 2, and a proxy in front of it.
 */
export interface FaultCase {
  db: TestDatabase;
  proxy: FaultProxy;
  /** The units' folder arguments. */
  dirs: string[];
  /** Through the proxy. */
  url: string;
  /** counter.n by unit row, in order. */
  counters(): Promise<number[]>;
  /** Applied rows per unit in migrate.history (units without one are left out). */
  appliedRows(): Promise<Record<string, number>>;
  end(): Promise<void>;
}

export const bump = (row: number, extra = '') => `update counter set n = n + 1 where id = ${row};\n${extra}`;

/** `setup` is more SQL for the fresh database (e.g. an application table). */
export async function faultCase(label: string, units: Record<string, string>, setup = ''): Promise<FaultCase> {
  const db = await freshDatabase(label);
  const rows = Object.keys(units).filter((f) => /^\d+_[^.]+\.sql$/.test(f)).length;
  await db.sql.unsafe(`create table counter (id int primary key, n int not null default 0);
    insert into counter (id) select generate_series(1, ${Math.max(rows, 1)}); ${setup}`);
  const project = migrationsProject(units);
  const proxy = await startProxy(db.url);
  return {
    db,
    proxy,
    dirs: ['--migrations-dir', project.migrationsDir, '--phases-dir', project.phasesDir],
    url: proxy.url(db.name),
    async counters() {
      return (await db.sql<{ n: number }[]>`select n from counter order by id`).map((r) => r.n);
    },
    async appliedRows() {
      const [{ present }] = await db.sql`select to_regclass('migrate.history') is not null as present`;
      if (!present) return {};
      const r = await db.sql<{ unit: string; n: number }[]>`select unit, count(*)::int as n from migrate.history where event = 'applied' group by unit order by unit`;
      return Object.fromEntries(r.map((x) => [x.unit, x.n]));
    },
    async end() {
      await proxy.close();
      await db.drop();
    },
  };
}

/** Polls `check` every 50 ms until it holds. */
export async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
}

/** Seconds since `started` (performance.now()), to one decimal. */
export const secondsSince = (started: number) => Math.round((performance.now() - started) / 100) / 10;

/** The figures a case measured, printed for docs/RELIABILITY.md. */
export function report(label: string, figures: Record<string, unknown>): void {
  process.stdout.write(`[fault figures] ${label}: ${JSON.stringify(figures)}\n`);
}
