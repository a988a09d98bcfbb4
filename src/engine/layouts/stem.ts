import path from 'node:path';
import { UsageError } from '../../errors';
import { markedNoTransaction } from '../../analysis/marker';
import { checksum, parseJson } from '../unit-files';
import type { Expectations, Unit, UnitFile } from '../units';
import type { Folder, NewFile } from './types';

/** NNNN_name, where the name may hold letters, digits, _, - and dots (`000056_upgrade_channels_v6.0`). */
export const STEM = /^(\d+)_([A-Za-z0-9][\w-]*(?:\.[\w-]+)*)$/;

/** This runner's own companions, beside a unit of any one-stem layout: `<stem>.verify.sql`, … */
const EXTRA_SQL = new Set(['precheck', 'verify', 'behaviour']);

/** The stem an extra companion belongs to, or undefined when the file is not one. */
export function extraStem(file: string): string | undefined {
  if (file.endsWith('.expect.json')) return file.slice(0, -'.expect.json'.length);
  if (!file.endsWith('.sql')) return undefined;
  const base = file.slice(0, -'.sql'.length);
  const dot = base.lastIndexOf('.');
  return dot > 0 && EXTRA_SQL.has(base.slice(dot + 1)) ? base.slice(0, dot) : undefined;
}

export function fileOf(folder: Folder, name: string): UnitFile {
  return { path: folder.path(name), text: folder.text(name) };
}

export function fileIfPresent(folder: Folder, name: string): UnitFile | undefined {
  return folder.has(name) ? fileOf(folder, name) : undefined;
}

/** A unit's down step; in a folder with lazyDowns, its file is read (and refused when not UTF-8) on first use of its text. */
export function downIfPresent(folder: Folder, name: string): UnitFile | undefined {
  if (!folder.has(name)) return undefined;
  return folder.lazyDowns ? new LazyFile(folder, name) : fileOf(folder, name);
}

/** A class, not an object literal with a getter: 10,000 of them are made for a large folder. */
class LazyFile implements UnitFile {
  readonly path: string;
  constructor(private readonly folder: Folder, private readonly name: string) {
    this.path = folder.path(name);
  }
  get text(): string {
    return this.folder.text(this.name);
  }
}

/**
 * The stems with at least one extra beside them, from one pass over the folder's names: most
 * units have none, and need no look-up of each of the five names an extra could have.
 */
export function stemsWithExtras(folder: Folder): Set<string> {
  const stems = new Set<string>();
  for (const e of folder.entries) {
    const stem = extraStem(e.name);
    if (stem !== undefined) stems.add(stem);
  }
  return stems;
}

const NO_EXTRAS: Pick<Unit, 'precheck' | 'verify' | 'behaviour' | 'expect' | 'expectFile'> = Object.freeze({
  precheck: undefined, verify: undefined, behaviour: undefined, expect: undefined, expectFile: undefined,
});

/**
 * The extras of one unit, read from `<stem>.precheck.sql` and so on (or `precheck.sql` inside
 * a unit folder); none are looked for when `any` (stemsWithExtras) says there are none.
 */
export function extras(folder: Folder, prefix: string, any = true): Pick<Unit, 'precheck' | 'verify' | 'behaviour' | 'expect' | 'expectFile'> {
  if (!any) return NO_EXTRAS;
  const expectFile = fileIfPresent(folder, `${prefix}expect.json`);
  return {
    precheck: fileIfPresent(folder, `${prefix}precheck.sql`),
    verify: fileIfPresent(folder, `${prefix}verify.sql`),
    behaviour: fileIfPresent(folder, `${prefix}behaviour.sql`),
    expect: expectFile && parseJson<Expectations>(expectFile),
    expectFile,
  };
}

/** An extra whose unit is not in the folder is refused, not silently left out (the first one in the folder's order is named). */
export function refuseOrphanExtras(folder: Folder, stems: ReadonlySet<string>, upFile: (stem: string) => string, withExtras = stemsWithExtras(folder)): void {
  for (const s of withExtras) if (!stems.has(s)) return refuseFirstOrphan(folder, stems, upFile);
}

function refuseFirstOrphan(folder: Folder, stems: ReadonlySet<string>, upFile: (stem: string) => string): void {
  for (const e of folder.entries) {
    const stem = extraStem(e.name);
    if (stem !== undefined && !stems.has(stem)) {
      throw new UsageError(`${path.join(folder.dir, e.name)} has no migration ${upFile(stem)} beside it`);
    }
  }
}

/** Version parts as numbers: "1.10" → [1, 10]; "000123" → [123]. */
export function orderOf(version: string): number[] {
  // Most versions are one number: no split (a regular expression's) for them.
  return version.includes('.') || version.includes('_') ? version.split(/[._]/).map(Number) : [Number(version)];
}

/** A migration unit from its parts; the checksum is of the up file's bytes. */
export function migrationUnit(p: {
  name: string; version: string; title: string; upBytes: Buffer; up: UnitFile; down?: UnitFile; aliases?: string[];
  more?: Partial<Unit>;
}): Unit {
  const order = orderOf(p.version);
  return {
    name: p.name,
    kind: 'migration',
    number: order[0],
    version: p.version,
    order,
    title: p.title,
    up: p.up,
    down: p.down,
    checksum: checksum(p.upBytes),
    dependsOn: [],
    skippable: false,
    transactional: !markedNoTransaction(p.up.text),
    aliases: [p.version, ...(p.aliases ?? [])],
    ...p.more,
  };
}

/** An up file's bytes and text. */
export function upOf(folder: Folder, name: string): { upBytes: Buffer; up: UnitFile } {
  return { upBytes: folder.bytes(name), up: fileOf(folder, name) };
}

/** 14 digits that read as a UTC time, as dbmate and golang-migrate -format write them. */
const TIMESTAMP = /^(19|20)\d{12}$/;

/** YYYYMMDDHHMMSS in UTC. */
export function timestampOf(now: Date): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

/**
 * The version after `highest`: the highest + 1 in the same width (0041 → 0042), or, in a
 * folder numbered by time, the time now (never less than highest + 1); `first` for an empty folder.
 */
export function nextSequence(highest: string | undefined, now: Date, first: string): string {
  if (highest === undefined) return first;
  const next = (BigInt(highest) + 1n).toString().padStart(highest.length, '0');
  if (!TIMESTAMP.test(highest)) return next;
  const stamp = timestampOf(now);
  return BigInt(stamp) > BigInt(highest) ? stamp : next;
}

/**
 * The units of a two-file layout: `<stem><upSuffix>` holds the up step, `<stem>.down.sql` the
 * down step (native: ".sql"; golang-migrate: ".up.sql"). A down file without its up file is refused.
 */
export function readPairs(folder: Folder, upSuffix: string): Unit[] {
  const stems = new Set<string>();
  const units: Unit[] = [];
  const withExtras = stemsWithExtras(folder);
  for (const { name: file } of folder.entries) {
    if (extraStem(file) !== undefined) continue;
    if (file.endsWith('.down.sql')) {
      const stem = file.slice(0, -'.down.sql'.length);
      if (!folder.has(`${stem}${upSuffix}`)) throw new UsageError(`${path.join(folder.dir, file)} has no migration ${stem}${upSuffix} beside it`);
      continue;
    }
    const stem = file.slice(0, -upSuffix.length);
    const m = STEM.exec(stem)!;
    stems.add(stem);
    units.push(migrationUnit({
      name: stem, version: m[1], title: m[2].replace(/_/g, ' '), ...upOf(folder, file),
      down: downIfPresent(folder, `${stem}.down.sql`), more: extras(folder, `${stem}.`, withExtras.has(stem)),
    }));
  }
  refuseOrphanExtras(folder, stems, (s) => `${s}${upSuffix}`, withExtras);
  return units;
}

export function scaffoldPair(dir: string, version: string, name: string, upSuffix: string): NewFile[] {
  return [
    { path: path.join(dir, `${version}_${name}${upSuffix}`), text: `-- ${version}_${name}: the change\n` },
    { path: path.join(dir, `${version}_${name}.down.sql`), text: `-- ${version}_${name}: how to undo it\n` },
  ];
}
