import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Argv } from 'yargs';
import { Umzug } from '../engine/umzug';
import { RollbackSignal, type Session } from '../db/session';
import { appliedDependants } from '../engine/dependencies';
import { toUnitFailed } from '../engine/failure';
import { drifted, History, isApplied } from '../engine/history';
import { afterLoss, fromHistory } from '../engine/execute/after-loss';
import { failedAttemptMs, rollbackUnit, rowsAtRisk, type RunContext, type UnitResult } from '../engine/runner';
import { loadProof, type RollbackProof } from '../engine/unit-state';
import { runsInTransaction } from '../engine/non-transactional';
import { refuseSyntaxErrors } from '../engine/syntax';
import { verifyUnit } from '../engine/unit-checks';
import { serverFacts } from '../db/server-facts';
import { refuseBlank, resolveUnit, type Unit } from '../engine/units';
import { reported } from '../engine/progress';
import { asMigrateError, BlockedError, InterruptedError, MigrateError, UsageError } from '../errors';
import { failed, summarize, type CheckResult } from '../verify/checks';
import { allUnits, withLockedDatabase, type CommonOptions } from './common';
import { confirmation, type Confirm } from './confirm';
import { commonOptions, confirmFlags, dryRunFlag, guardFlags, outputFlags, type ConfirmArgv, type DryRunArgv, type GlobalArgv, type GuardArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { runOutcome } from './outcome';
import { watchRun } from './run-progress';
import { plain, type Paint } from '../render/colour';
import { cell } from '../render/cell';
import { json, renderRunMarkdown, renderRunText, runJson, type OutputFormat } from '../render/run';

export interface RollbackOptions extends CommonOptions {
  unit: string;
  dryRun?: boolean;
  allowDataLoss?: boolean;
  cascade?: boolean;
  /** After the rollback, prove in a rolled-back transaction that the units apply again. */
  reapplyCheck?: boolean;
  /** Asked before the first change (the CLI passes one on a terminal unless --yes or --dry-run). */
  confirm?: Confirm;
}

export interface RollbackResult {
  ok: boolean;
  dryRun: boolean;
  runId: string;
  units: UnitResult[];
  /** Rows that were in the units' tables (only reached with --allow-data-loss). */
  dataLoss: Array<{ unit: string; table: string; rows: number }>;
  reapply?: { ok: boolean; checks: CheckResult[] };
  error?: MigrateError;
}

/**
 * `migrate rollback UNIT`: refuses while dependants are applied (unless --cascade, which
 * takes them first, newest first) and while the unit's tables hold rows (unless
 * --allow-data-loss); each down runs in its own transaction and must restore the schema.
 */
export async function rollback(o: RollbackOptions): Promise<RollbackResult> {
  const units = allUnits(o);
  const target = resolveUnit(units, o.unit);
  return withLockedDatabase(o, `rollback ${target.name}`, async ({ session, runId, target: targetOf, runLock, reopen, lockWaits }) => {
    const states = await History.latest(session);
    if (!isApplied(states.get(target.name))) {
      return { ok: true, dryRun: !!o.dryRun, runId, units: [{ name: target.name, kind: target.kind, action: 'skipped', durationMs: 0, reason: 'not applied' }], dataLoss: [] };
    }
    const dependants = appliedDependants(target, units, states);
    if (dependants.length > 0 && !o.cascade) {
      throw new BlockedError(`cannot roll back ${target.name}: applied units depend on it: ${dependants.map((u) => u.name).join(', ')}`,
        'roll those back first, or pass --cascade to roll them back too (newest first)');
    }
    const order = [...dependants, target];
    // The down step undoes the file as it is now, which is not what the database holds.
    const changed = drifted(order, states);
    if (changed.length > 0) {
      throw new BlockedError(`cannot roll back ${changed.map((u) => u.name).join(', ')}: changed since applied (drift); nothing was changed`,
        'restore the file as it was applied (`migrate status` lists it as drifted), then roll back; after a reviewed edit, record it with `migrate repair UNIT`', changed.map((u) => `${u.name}: ${u.up.path}`));
    }
    const noDown = order.filter((u) => !u.down);
    if (noDown.length > 0) throw new UsageError(`cannot roll back ${noDown.map((u) => u.name).join(', ')}: no down step`, 'write NNNN_name.down.sql (or down.sql in the phase folder)');
    refuseBlank(order, 'down');
    await checkDownSteps(session, order, !!o.dryRun);

    const proofs = new Map<string, RollbackProof | null>();
    for (const u of order) proofs.set(u.name, await loadProof(session, states.get(u.name)));
    const dataLoss: RollbackResult['dataLoss'] = [];
    for (const u of order) {
      for (const r of await rowsAtRisk(session, u, proofs.get(u.name) ?? null)) dataLoss.push({ unit: u.name, ...r });
    }
    if (dataLoss.length > 0 && !o.allowDataLoss) {
      throw new BlockedError(`rolling back would delete data: ${dataLoss.map((d) => `${d.table} holds ${d.rows} row${d.rows === 1 ? '' : 's'}`).join(', ')}`,
        'export what you need, then pass --allow-data-loss', dataLoss.map((d) => `${d.unit}: ${d.table}: ${d.rows} rows`));
    }

    if (o.confirm && !o.dryRun) {
      const lines = ['Will roll back, newest first:', ...order.map((u) => `  ↶ ${u.name}  (runs ${path.relative(process.cwd(), u.down!.path) || u.down!.path})`),
        ...dataLoss.map((d) => `  data removed: ${d.table} holds ${d.rows} row(s)`)];
      if (!(await o.confirm({ target: await targetOf(), lines, question: `Roll back ${order.length} unit(s)` }))) {
        throw new MigrateError('declined at the prompt; nothing was changed', 3);
      }
    }

    const results: UnitResult[] = [];
    let reapply: RollbackResult['reapply'];
    let error: MigrateError | undefined;
    /** Refused before it started (the lock gone, an interrupt): not run, not failed. */
    let notStarted: MigrateError | undefined;
    const execute = async (s: Session) => {
      const ctx: RunContext = { session: s, runId, log: o.log, recordFailures: !o.dryRun, guard: runLock?.guard, interrupt: o.interrupt };
      o.progress?.({ type: 'units', names: order.map((u) => u.name) });
      const umzug = new Umzug<object>({
        migrations: order.map((u, index) => ({
          name: u.name,
          up: async () => undefined,
          down: async () => {
            const stop = runLock?.lost() ?? o.interrupt?.error();
            if (stop) throw (notStarted = stop);
            const at = { unit: u.name, index: index + 1, total: order.length };
            results.push(await reported(o.progress, at, async () => {
              lockWaits?.begin(u.name);
              try {
                return await rollbackUnit(ctx, u, proofs.get(u.name) ?? null);
              } finally {
                await lockWaits?.end();
              }
            }, (err) => ({ name: u.name, kind: u.kind, action: 'failed', durationMs: failedAttemptMs(err), error: asMigrateError(err).message })));
          },
        })),
        storage: { executed: async () => order.map((u) => u.name), logMigration: async () => undefined, unlogMigration: async () => undefined },
        logger: undefined,
      });
      await umzug.down({ migrations: order.map((u) => u.name) });
      if (o.reapplyCheck !== false) reapply = await reapplyRehearsal(s, [...order].reverse());
    };
    try {
      await session.within({ dryRun: o.dryRun }, execute);
      if (reapply && !reapply.ok) error = new MigrateError(`rolled back, but applying again would fail: ${summarize(reapply.checks)}`, 1);
    } catch (err) {
      error = asMigrateError(err);
      const failedUnit = order[results.length];
      if (failedUnit && session.connection.lost && !o.dryRun) {
        // Whether its COMMIT happened is read back from the history, on a new connection.
        const known = await afterLoss({ session, runId, log: o.log, recordFailures: true, lockLost: runLock?.lost, reopen }, failedUnit.name);
        const result = fromHistory({ unit: failedUnit, precheck: [] }, known, () => ({ name: failedUnit.name, kind: failedUnit.kind, action: 'failed', durationMs: failedAttemptMs(err), error: `${error!.message}; it did not commit` }));
        results.push(result);
        error = known.error([result]);
      } else if (failedUnit && notStarted === error && error instanceof InterruptedError) {
        results.push({ name: failedUnit.name, kind: failedUnit.kind, action: 'not-run', durationMs: 0, reason: error.message });
      } else if (failedUnit) {
        results.push({ name: failedUnit.name, kind: failedUnit.kind, action: 'failed', durationMs: failedAttemptMs(err), error: error.message });
      }
      if (failedUnit) {
        for (const u of order.slice(results.length)) results.push({ name: u.name, kind: u.kind, action: 'not-run', durationMs: 0, reason: `not run: the rollback stopped at ${failedUnit.name}` });
      }
    }
    return { ok: !error, dryRun: !!o.dryRun, runId, units: results, dataLoss, reapply, error };
  });
}

/**
 * Before any down step runs: each parses in the server's grammar, and in a dry run (one
 * transaction, rolled back) none may need to run outside a transaction.
 */
async function checkDownSteps(s: Session, order: Unit[], dryRun: boolean): Promise<void> {
  const { major } = await serverFacts(s);
  await refuseSyntaxErrors(s, order.map((u) => ({ file: u.down!.path, text: u.down!.text })), major, 'nothing was rolled back');
  if (!dryRun) return;
  const outside: string[] = [];
  for (const u of order) if (!(await runsInTransaction(u.down!, s))) outside.push(u.name);
  if (outside.length) {
    throw new BlockedError(`the down step of ${outside.join(', ')} must run outside a transaction, so --dry-run cannot include it`, 'leave out --dry-run (the rollback of such a step cannot be undone: check it on a copy first)');
  }
}

/**
 * Applies the units again inside a transaction that is always rolled back: proof they re-apply.
 * An up step that cannot run in a transaction cannot be rehearsed this way: its check says it
 * was not rehearsed, nor were the units after it (which may build on it), and does not fail.
 */
async function reapplyRehearsal(s: Session, forward: Unit[]): Promise<{ ok: boolean; checks: CheckResult[] }> {
  return s.transaction(async (tx) => {
    const checks: CheckResult[] = [];
    for (const [i, u] of forward.entries()) {
      if (!(await runsInTransaction(u.up, tx))) {
        const after = forward.slice(i + 1).map((x) => x.name);
        checks.push({ task: 8, check: `re-apply ${u.name}`, ok: true, detail: `not rehearsed: its up step runs outside a transaction, which a rolled-back rehearsal cannot hold${after.length ? ` (nor were ${after.join(', ')}, which follow it)` : ''}` });
        break;
      }
      try {
        await tx.script(u.up.text, u.up.path);
        const v = await verifyUnit(tx, u);
        checks.push({ task: 8, check: `re-apply ${u.name}`, ok: failed(v).length === 0, detail: failed(v).length === 0 ? 'applies and verifies again' : summarize(v) });
      } catch (err) {
        checks.push({ task: 8, check: `re-apply ${u.name}`, ok: false, detail: toUnitFailed(u, 'up', u.up, err).message });
        break;
      }
    }
    throw new RollbackSignal({ ok: checks.every((c) => c.ok), checks });
  });
}

type RollbackArgv = GlobalArgv & GuardArgv & OutputArgv & DryRunArgv & ConfirmArgv & {
  unit: string;
  'allow-data-loss': boolean;
  cascade: boolean;
  'reapply-check': boolean;
};

export function builder(y: Argv): Argv {
  return confirmFlags(dryRunFlag(outputFlags(guardFlags(y)), 'roll back inside a transaction, report, undo'))
    .positional('unit', { type: 'string', demandOption: true, describe: 'a number prefix (0024), a full name, or a phase (01-organization, 1)' })
    .option('allow-data-loss', { type: 'boolean', default: false, describe: 'proceed although the unit\'s tables hold rows' })
    .option('cascade', { type: 'boolean', default: false, describe: 'also roll back the units that depend on it, newest first' })
    .option('reapply-check', { type: 'boolean', default: true, describe: 'afterwards prove in a rolled-back transaction that it applies again' });
}

export async function handler(a: RollbackArgv, io: Io): Promise<Outcome> {
  const runId = randomUUID();
  const watch = watchRun(a, io, { title: 'migrate rollback', runId, dryRun: a['dry-run'], again: `run \`migrate rollback ${a.unit}\` again to finish` });
  return runOutcome(a, 'migrate rollback', { runId, dryRun: a['dry-run'] }, () => rollback({
    ...commonOptions(a, watch.io, runId),
    interrupt: watch.interrupt,
    progress: watch.progress,
    unit: a.unit,
    dryRun: a['dry-run'],
    allowDataLoss: a['allow-data-loss'],
    cascade: a.cascade,
    reapplyCheck: a['reapply-check'],
    confirm: confirmation('rollback', a, io),
  }), (r, format) => renderRollback(r, format, watch.paint), watch.finish);
}

export function renderRollback(r: RollbackResult, format: OutputFormat, paint: Paint = plain): string {
  if (format === 'json') return json(runJson(r, { dataLoss: r.dataLoss, reapply: r.reapply }, true));
  if (format === 'markdown') {
    const checks = [...r.units.flatMap((u) => (u.checks ?? []).map((c) => ({ unit: u.name, ...c }))), ...(r.reapply?.checks ?? []).map((c) => ({ unit: '', ...c }))];
    const more: string[] = [];
    if (checks.length) more.push('', '## Proof', '', '| unit | check | result | detail |', '|---|---|---|---|', ...checks.map((c) => `| ${c.unit} | ${cell(c.check)} | ${c.ok ? 'ok' : '**failed**'} | ${cell(c.detail)} |`));
    if (r.dataLoss.length) more.push('', '## Data removed', '', ...r.dataLoss.map((d) => `- ${d.table}: ${d.rows} row(s) (${d.unit})`));
    return renderRunMarkdown('migrate rollback', r, more);
  }
  const more: string[] = [];
  for (const u of r.units) for (const c of u.checks ?? []) more.push(`      ${c.ok ? '✓' : '✗'} ${c.check}: ${c.detail}`);
  for (const d of r.dataLoss) more.push(`  data removed: ${d.table} held ${d.rows} row(s)`);
  if (r.reapply) for (const c of r.reapply.checks) more.push(`  ${c.ok ? '✓' : '✗'} ${c.check}: ${c.detail}`);
  return renderRunText('migrate rollback', r, more, paint);
}
