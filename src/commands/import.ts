import type { Argv } from 'yargs';
import { History, isApplied } from '../engine/history';
import { sourceNamed, TOOLS, type ForeignRecord, type ToolName } from '../engine/import';
import { BlockedError, MigrateError } from '../errors';
import { json } from '../render/run';
import { migrationUnits, withDatabase, withLockedDatabase, type CommonOptions, type Connected } from './common';
import { confirmation, type Confirm } from './confirm';
import { commonOptions, confirmFlags, dryRunFlag, formatOf, outputFlags, type ConfirmArgv, type DryRunArgv, type GlobalArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { emit } from './outcome';

export interface ImportOptions extends CommonOptions {
  from: ToolName;
  /** The tool's history table, when not its default name (schema-qualified as needed). */
  table?: string;
  dryRun?: boolean;
  confirm?: Confirm;
}

export interface ImportedUnit {
  name: string;
  /** imported: recorded now (or, in a dry run, would be); already-recorded: this runner's history has it; pending: the other tool had not applied it. */
  action: 'imported' | 'already-recorded' | 'pending';
  recorded: string | null;
  appliedAt: string | null;
  appliedBy: string | null;
}

export interface ImportResult {
  ok: boolean;
  dryRun: boolean;
  runId: string;
  from: ToolName;
  table: string;
  units: ImportedUnit[];
}

/**
 * `migrate import --from TOOL`: what that tool applied, recorded as `imported` with its time
 * and user where it keeps them, running nothing. Anything that makes its history uncertain (a
 * failed or dirty entry, a version with no file, a changed file) blocks before a row is written.
 */
export async function importHistory(o: ImportOptions): Promise<ImportResult> {
  const source = sourceNamed(o.from);
  const table = o.table ?? source.table;
  const units = migrationUnits(o);
  const plan = async ({ session, runId }: Connected) => {
    const foreign = await source.read(session, table, units);
    if (foreign.problems.length) {
      throw new BlockedError(`cannot import the ${o.from} history: ${foreign.problems.length} entr${foreign.problems.length === 1 ? 'y' : 'ies'} to settle first; nothing was recorded`,
        `settle each with ${o.from}, then import again`, foreign.problems);
    }
    const states = await History.latest(session);
    const byUnit = new Map(foreign.records.map((r) => [r.unit.name, r]));
    const listed = units.map((u): ImportedUnit => {
      const r = byUnit.get(u.name);
      const action = !r ? 'pending' : isApplied(states.get(u.name)) ? 'already-recorded' : 'imported';
      return { name: u.name, action, recorded: r?.recorded ?? null, appliedAt: r?.at ?? null, appliedBy: r?.user ?? null };
    });
    const toRecord = foreign.records.filter((r) => !isApplied(states.get(r.unit.name)));
    return { result: { ok: true, dryRun: !!o.dryRun, runId, from: o.from, table, units: listed }, toRecord };
  };
  // Read first without the lock or the history schema: a dry run, a refusal or nothing to do changes nothing.
  const first = await withDatabase(o, plan);
  if (o.dryRun || first.toRecord.length === 0) return first.result;
  return withLockedDatabase(o, `import --from ${o.from}`, async (c) => {
    // Again under the run lock: what is recorded is what the history says now.
    const { result, toRecord } = await plan(c);
    if (o.confirm && !(await o.confirm({ target: await c.target(), lines: planLines(toRecord), question: `Record ${toRecord.length} unit(s) as imported` }))) {
      throw new MigrateError('declined at the prompt; nothing was changed', 3);
    }
    await c.session.transaction(async (tx) => {
      for (const r of toRecord) {
        await History.record(tx, {
          runId: c.runId, unit: r.unit.name, kind: r.unit.kind, event: 'imported', checksum: r.unit.checksum, durationMs: r.durationMs,
          at: r.at ?? undefined, dbUser: r.user ?? undefined, detail: { ...r.detail, table, recorded: r.recorded },
        });
      }
    });
    return result;
  });
}

function planLines(records: readonly ForeignRecord[]): string[] {
  return ['Will record as imported (nothing runs):', ...records.map((r) => `  ✓ ${r.unit.name}  (${r.recorded}${r.at ? `, applied ${r.at}` : ''}${r.user ? ` by ${r.user}` : ''})`)];
}

type ImportArgv = GlobalArgv & OutputArgv & ConfirmArgv & DryRunArgv & { from: ToolName; table?: string };

export function builder(y: Argv): Argv {
  return confirmFlags(dryRunFlag(outputFlags(y), 'show what would be recorded; record nothing'))
    .option('from', { choices: TOOLS, demandOption: true, describe: 'the tool whose history table to read' })
    .option('table', { type: 'string', describe: 'its history table, when not the default (flyway_schema_history, schema_migrations, pgmigrations); schema.table' });
}

export async function handler(a: ImportArgv, io: Io): Promise<Outcome> {
  const confirm = confirmation('import', a, io);
  const r = await importHistory({ ...commonOptions(a, io), from: a.from, table: a.table, dryRun: a['dry-run'], confirm });
  const imported = r.units.filter((u) => u.action === 'imported').length;
  return emit(a, formatOf(a) === 'json' ? json(r) : renderImport(r), { exitCode: 0, summary: `migrate import --from ${r.from}: ${imported} ${r.dryRun ? 'would be ' : ''}imported` });
}

export function renderImport(r: ImportResult): string {
  const width = Math.max(10, ...r.units.map((u) => u.name.length));
  const word = { imported: r.dryRun ? 'would import' : 'imported', 'already-recorded': 'already recorded', pending: 'pending' } as const;
  const lines = [`migrate import --from ${r.from} (${r.table})${r.dryRun ? ' — dry run, nothing recorded' : ''}, run ${r.runId}`];
  for (const u of r.units) lines.push(`  ${word[u.action].padEnd(16)} ${u.name.padEnd(width)}${u.appliedAt ? `  applied ${u.appliedAt}` : ''}${u.appliedBy ? ` by ${u.appliedBy}` : ''}`.trimEnd());
  const count = (a: ImportedUnit['action']) => r.units.filter((u) => u.action === a).length;
  lines.push(`${count('imported')} ${r.dryRun ? 'to import' : 'imported'}, ${count('already-recorded')} already recorded, ${count('pending')} pending (\`migrate up\` applies them)`);
  return lines.join('\n') + '\n';
}
