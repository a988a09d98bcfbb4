import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { markedNoTransaction } from '../analysis/marker';
import { UsageError } from '../errors';
import { openFolder, readAhead, readLayout, type LayoutName } from './layouts';
import type { Folder } from './layouts/types';
import { parseJson, readIfExists, readJson, readUp } from './unit-files';

export { checksum } from './unit-files';

export type UnitKind = 'phase' | 'migration';

export interface UnitFile {
  path: string;
  text: string;
}

/** Declared expectations (see docs/UNITS.md); checked against the catalog. */
export interface Expectations {
  schemas?: string[];
  roles?: string[];
  tables?: Record<string, { columns?: Record<string, string>; rls?: boolean }>;
  indexes?: Record<string, string>;
  foreignKeys?: Array<{ table: string; columns: string[]; references: string; onDelete?: string; name?: string }>;
  policies?: Record<string, string[]>;
  triggers?: Record<string, string[]>;
  functions?: string[];
  enums?: Record<string, string[]>;
  grants?: Array<{ role: string; table: string; privileges: string[] }>;
}

export interface Unit {
  /** History key: a migration's file stem, or a phase folder name. */
  name: string;
  kind: UnitKind;
  /** The number in front of the name (a dotted version's first part). */
  number: number;
  /** A migration's version as written in its name ("0042", "1.2", "20240101120000"). */
  version?: string;
  /** The version's parts as numbers, the order units run in ([1, 2] for Flyway's 1.2). */
  order?: number[];
  title: string;
  up: UnitFile;
  down?: UnitFile;
  precheck?: UnitFile;
  verify?: UnitFile;
  /** A script whose last statement returns (task, check, ok, detail); run by `migrate verify`, always rolled back. */
  behaviour?: UnitFile;
  expect?: Expectations;
  /** The file `expect` was read from, so a report can point at a declaration's line. */
  expectFile?: UnitFile;
  /** sha256 of the up step's content, the basis of drift detection. */
  checksum: string;
  dependsOn: string[];
  skippable: boolean;
  /** False when the up step must run outside a transaction (CREATE INDEX CONCURRENTLY, …). */
  transactional: boolean;
  /** Other names that select this unit: its number, the phase folder that wraps a migration. */
  aliases: string[];
}

const PHASE_DIR = /^(\d+)-([a-z0-9][a-z0-9-]*)$/;

function listDir(dir: string, what: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`${what} folder ${dir} does not exist`, `pass --${what}-dir`);
  }
}

/** Version order: part by part, numerically (Flyway's 1.2 < 1.10; a phase or native unit has one part). */
export function compareUnits(a: Unit, b: Unit): number {
  const x = a.order ?? [a.number];
  const y = b.order ?? [b.number];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Reads a migrations folder in whichever layout its names are in (engine/layouts), ordered by version. */
export function loadMigrationFolder(dir: string): { layout: LayoutName; units: Unit[] } {
  listDir(dir, 'migrations');
  return ordered(readLayout(dir));
}

/** A migrations folder, listed (refused when it is missing), for readMigrationsInTurns; lazyDowns: see Folder. */
export function openMigrationFolder(dir: string, opts: { lazyDowns?: boolean } = {}): Folder {
  listDir(dir, 'migrations');
  return openFolder(dir, opts);
}

/**
 * As loadMigrations, with the files read in slices between which the event loop runs
 * (layouts' readAhead): a command that connects meanwhile overlaps the two.
 */
export async function readMigrationsInTurns(folder: Folder): Promise<Unit[]> {
  await readAhead(folder);
  return ordered(readLayout(folder.dir, folder)).units;
}

function ordered({ layout, units }: { layout: LayoutName; units: Unit[] }): { layout: LayoutName; units: Unit[] } {
  const sorted = [...units].sort(compareUnits);
  for (let i = 1; i < sorted.length; i++) {
    if (compareUnits(sorted[i - 1], sorted[i]) === 0) {
      throw new UsageError(`two migrations have version ${sorted[i].version}: ${sorted[i - 1].up.path} and ${sorted[i].up.path}`, 'renumber one of them');
    }
  }
  return { layout, units: sorted };
}

export function loadMigrations(dir: string): Unit[] {
  return loadMigrationFolder(dir).units;
}

interface PhaseJson {
  title?: string;
  dependsOn?: string[];
  skippable?: boolean;
  migration?: string;
}

/**
 * Reads a phases folder. A phase that names a migration becomes that migration's unit
 * (history under the migration's name), with the phase's dependencies and aliases added.
 */
export function loadPhases(dir: string, migrations: Unit[]): Unit[] {
  listDir(dir, 'phases');
  const entries = readdirSync(dir).sort().filter((f) => statSync(path.join(dir, f)).isDirectory());
  const byNumber = new Map<number, string>();
  const units: Unit[] = [];
  for (const folder of entries) {
    const m = PHASE_DIR.exec(folder);
    if (!m) throw new UsageError(`phase folder ${path.join(dir, folder)} is not named NN-name`);
    const number = Number(m[1]);
    const clash = byNumber.get(number);
    if (clash) throw new UsageError(`two phases have number ${m[1]}: ${path.join(dir, clash)} and ${path.join(dir, folder)}`);
    byNumber.set(number, folder);
    const base = path.join(dir, folder);
    const meta = readJson<PhaseJson>(path.join(base, 'phase.json'));
    const common = {
      dependsOn: meta.dependsOn ?? [],
      skippable: meta.skippable === true,
      aliases: [folder, m[1], String(number)],
    };
    if (meta.migration) {
      const wrapped = migrations.find((u) => u.name === meta.migration || u.aliases.includes(meta.migration!));
      if (!wrapped) throw new UsageError(`phase ${folder} wraps migration ${meta.migration}, which is not in the migrations folder`);
      units.push({
        ...wrapped,
        kind: 'migration',
        title: meta.title ?? wrapped.title,
        precheck: readIfExists(path.join(base, 'precheck.sql')) ?? wrapped.precheck,
        behaviour: readIfExists(path.join(base, 'behaviour.sql')) ?? wrapped.behaviour,
        ...common,
        aliases: [...wrapped.aliases, ...common.aliases],
      });
      continue;
    }
    const upPath = path.join(base, 'up.sql');
    if (!existsSync(upPath)) throw new UsageError(`phase ${folder} has neither up.sql nor a "migration" in phase.json`);
    const { up, checksum: sum } = readUp(upPath);
    const expectFile = readIfExists(path.join(base, 'expect.json'));
    units.push({
      name: folder,
      kind: 'phase',
      number,
      title: meta.title ?? m[2].replace(/-/g, ' '),
      up,
      down: readIfExists(path.join(base, 'down.sql')),
      precheck: readIfExists(path.join(base, 'precheck.sql')),
      verify: readIfExists(path.join(base, 'verify.sql')),
      behaviour: readIfExists(path.join(base, 'behaviour.sql')),
      expect: expectFile && parseJson<Expectations>(expectFile),
      expectFile,
      checksum: sum,
      transactional: !markedNoTransaction(up.text),
      ...common,
    });
  }
  return units;
}

/** Before a run: an up step (or, for a rollback, a down step) that holds no statement is refused, naming each file. */
export function refuseBlank(units: readonly Unit[], step: 'up' | 'down'): void {
  // Required here: a command that only reads units (status) does not load the SQL scanner.
  const { blankSteps } = require('../analysis/blank') as typeof import('../analysis/blank');
  const blank = units.flatMap(blankSteps).filter((f) => f.rule === (step === 'up' ? 'empty-unit' : 'empty-down'));
  if (blank.length === 0) return;
  throw new UsageError(blank.map((f) => f.message).join('; '),
    step === 'up' ? 'write the change into the file, or delete it' : 'write the down step, or delete the file if the unit cannot be undone');
}

/** Finds a unit by full name, number prefix ("0024", "5") or phase folder name. */
export function resolveUnit(units: readonly Unit[], ref: string): Unit {
  const exact = units.find((u) => u.name === ref || u.aliases.includes(ref));
  if (exact) return exact;
  const numeric = /^\d+$/.test(ref) ? units.filter((u) => u.number === Number(ref)) : [];
  if (numeric.length === 1) return numeric[0];
  const prefixed = units.filter((u) => u.name.startsWith(ref));
  if (prefixed.length === 1) return prefixed[0];
  const known = units.map((u) => u.name).join(', ') || 'none';
  if (numeric.length > 1 || prefixed.length > 1) {
    throw new UsageError(`"${ref}" matches several units: ${(numeric.length > 1 ? numeric : prefixed).map((u) => u.name).join(', ')}`, 'use the full name');
  }
  throw new UsageError(`unknown unit "${ref}"`, `known units: ${known}`);
}
