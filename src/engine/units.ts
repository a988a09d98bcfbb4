import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { blankSteps } from '../analysis/blank';
import { markedNoTransaction } from '../analysis/marker';
import { UsageError } from '../errors';

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
  /** The number in front of the name. */
  number: number;
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

/** NNNN_name, where the name may hold letters, digits, _, - and dots (`000056_upgrade_channels_v6.0`). */
const STEM = /^(\d+)_([A-Za-z0-9][\w-]*(?:\.[\w-]+)*)$/;
/** The last dotted part of a companion file's stem says which step it holds. */
const COMPANION_SQL = new Set(['down', 'precheck', 'verify', 'behaviour']);
/** Marks another tool's layout (golang-migrate's NNNN_name.up.sql), never part of a native name. */
const RESERVED = new Set(['up']);
const ACCEPTED = 'NNNN_name.sql (name: letters, digits, _, - and dots), with optional NNNN_name.down.sql, .precheck.sql, .verify.sql, .behaviour.sql and .expect.json beside it';
const PHASE_DIR = /^(\d+)-([a-z0-9][a-z0-9-]*)$/;

/** sha256 of a file's bytes, the basis of drift detection (for valid UTF-8, the same as of its text). */
export function checksum(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * A file's text. Bytes that are not UTF-8 are refused: decoding them would send U+FFFD to
 * the server in their place, so the database would hold other text than the file.
 */
function decode(file: string, bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const at = firstInvalidByte(bytes);
  const line = bytes.subarray(0, at).reduce((n, b) => (b === 0x0a ? n + 1 : n), 1);
  throw new UsageError(`${file} is not valid UTF-8: byte 0x${bytes[at].toString(16).padStart(2, '0')} at offset ${at} (line ${line}) does not start a UTF-8 character`,
    `convert the file to UTF-8, e.g. iconv -f LATIN1 -t UTF-8 ${path.basename(file)} > converted.sql`);
}

/** Offset of the first byte of the first invalid sequence; up to it, the lossy decode matches byte for byte. */
function firstInvalidByte(bytes: Buffer): number {
  let at = 0;
  for (const ch of bytes.toString('utf8')) {
    const replaced = ch === '\uFFFD' && !(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd);
    if (replaced) return at;
    at += Buffer.byteLength(ch);
  }
  return at;
}

function read(file: string): UnitFile {
  return { path: file, text: decode(file, readBytes(file)) };
}

/** An up step and the checksum of its bytes. */
function readUp(file: string): { up: UnitFile; checksum: string } {
  const bytes = readBytes(file);
  return { up: { path: file, text: decode(file, bytes) }, checksum: checksum(bytes) };
}

function readIfExists(file: string, known?: ReadonlySet<string>): UnitFile | undefined {
  const present = known ? known.has(path.basename(file)) : existsSync(file);
  return present ? read(file) : undefined;
}

function readJson<T>(file: string): T {
  return parseJson<T>(read(file));
}

function parseJson<T>({ path: file, text }: UnitFile): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
}

function listDir(dir: string, what: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`${what} folder ${dir} does not exist`, `pass --${what}-dir`);
  }
  return readdirSync(dir).sort();
}

type MigrationFile =
  | { role: 'up'; stem: string; number: string; name: string }
  | { role: 'companion'; stem: string }
  | { role: 'other' }
  | { role: 'unknown'; why?: string };

/**
 * What a file in a migrations folder is, from its name alone. A companion's step word
 * (`.down`, `.precheck`, …) is taken before a dotted name, so `x.down.sql` is x's down step.
 */
function classify(file: string): MigrationFile {
  if (file.endsWith('.expect.json')) return companion(file.slice(0, -'.expect.json'.length));
  if (!file.endsWith('.sql')) return { role: 'other' };
  const base = file.slice(0, -'.sql'.length);
  const dot = base.lastIndexOf('.');
  const last = dot < 0 ? '' : base.slice(dot + 1);
  if (COMPANION_SQL.has(last)) return companion(base.slice(0, dot));
  if (RESERVED.has(last)) return { role: 'unknown', why: `a name may not end in .${last}: NNNN_name.${last}.sql is another tool's layout, which this version does not read` };
  const m = STEM.exec(base);
  return m ? { role: 'up', stem: base, number: m[1], name: m[2] } : { role: 'unknown' };
}

function companion(stem: string): MigrationFile {
  return STEM.test(stem) ? { role: 'companion', stem } : { role: 'unknown' };
}

/** Reads a migrations folder: NNNN_name.sql plus optional companions, ordered by number. */
export function loadMigrations(dir: string): Unit[] {
  const entries = listDir(dir, 'migrations');
  const names = new Set(entries);
  const byNumber = new Map<number, string>();
  const units: Unit[] = [];
  for (const file of entries) {
    const f = classify(file);
    if (f.role === 'other' || (f.role === 'unknown' && file.endsWith('.json'))) continue;
    if (f.role === 'unknown') {
      throw new UsageError(`${path.join(dir, file)} is not a migration file name: expected ${ACCEPTED}${f.why ? `; ${f.why}` : ''}`, 'rename it, or move it out of the migrations folder');
    }
    if (f.role === 'companion') {
      if (!names.has(`${f.stem}.sql`)) {
        throw new UsageError(`${path.join(dir, file)} has no migration ${f.stem}.sql beside it`);
      }
      continue;
    }
    const number = Number(f.number);
    const clash = byNumber.get(number);
    if (clash) {
      throw new UsageError(`two migrations have number ${f.number}: ${path.join(dir, clash)} and ${path.join(dir, file)}`, 'renumber one of them');
    }
    byNumber.set(number, file);
    const stem = f.stem;
    const { up, checksum: sum } = readUp(path.join(dir, file));
    const expectFile = readIfExists(path.join(dir, `${stem}.expect.json`), names);
    units.push({
      name: stem,
      kind: 'migration',
      number,
      title: f.name.replace(/_/g, ' '),
      up,
      down: readIfExists(path.join(dir, `${stem}.down.sql`), names),
      precheck: readIfExists(path.join(dir, `${stem}.precheck.sql`), names),
      verify: readIfExists(path.join(dir, `${stem}.verify.sql`), names),
      behaviour: readIfExists(path.join(dir, `${stem}.behaviour.sql`), names),
      expect: expectFile && parseJson<Expectations>(expectFile),
      expectFile,
      checksum: sum,
      dependsOn: [],
      skippable: false,
      transactional: !markedNoTransaction(up.text),
      aliases: [f.number],
    });
  }
  return units.sort((a, b) => a.number - b.number);
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
  const entries = listDir(dir, 'phases').filter((f) => statSync(path.join(dir, f)).isDirectory());
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
