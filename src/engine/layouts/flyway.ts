import path from 'node:path';
import { UsageError } from '../../errors';
import type { Unit } from '../units';
import { downIfPresent, extras, extraStem, migrationUnit, orderOf, refuseOrphanExtras, stemsWithExtras, upOf } from './stem';
import type { Folder, FolderEntry, Layout } from './types';

/** `V1__name.sql`, `V1.2__name.sql`, `V1_2__name.sql` (Flyway reads `_` in a version as `.`); `U…` is the undo. */
const VERSIONED = /^([VU])(\d+(?:[._]\d+)*)__([^/]+)\.sql$/;
const REPEATABLE = /^R__.+\.sql$/;

/** Flyway's version text: parts joined by dots ("1_2" → "1.2"). */
const dotted = (v: string) => v.replace(/_/g, '.');

/** Flyway orders versions part by part, numerically, and 1.0 is 1: trailing zero parts do not count. */
export function flywayKey(version: string): string {
  const parts = orderOf(dotted(version));
  while (parts.length > 1 && parts[parts.length - 1] === 0) parts.pop();
  return parts.join('.');
}

export const flyway: Layout = {
  name: 'flyway',
  form: 'V<version>__<name>.sql (+ U<version>__<name>.sql undo)',
  fits(e: FolderEntry): boolean {
    if (e.dir) return false;
    if (REPEATABLE.test(e.name)) {
      throw new UsageError(`${e.name} is a Flyway repeatable migration (R__), which this runner does not support`,
        'fold its statements into a versioned migration (V<version>__<name>.sql), or move the file out of the migrations folder');
    }
    return VERSIONED.test(e.name);
  },
  read(folder: Folder): Unit[] {
    const undo = new Map<string, string>();
    const versioned: Array<{ file: string; version: string; description: string }> = [];
    for (const { name: file } of folder.entries) {
      if (extraStem(file) !== undefined) continue;
      const m = VERSIONED.exec(file)!;
      if (m[1] === 'U') undo.set(flywayKey(m[2]), file);
      else versioned.push({ file, version: dotted(m[2]), description: m[3] });
    }
    const stems = new Set<string>();
    const withExtras = stemsWithExtras(folder);
    const units = versioned.map(({ file, version, description }) => {
      const stem = file.slice(0, -'.sql'.length);
      stems.add(stem);
      const undoFile = undo.get(flywayKey(version));
      undo.delete(flywayKey(version));
      return migrationUnit({
        name: stem, version, title: description.replace(/_/g, ' '), ...upOf(folder, file),
        down: undoFile ? downIfPresent(folder, undoFile) : undefined, aliases: [`V${version}`], more: extras(folder, `${stem}.`, withExtras.has(stem)),
      });
    });
    const orphan = [...undo.values()][0];
    if (orphan) throw new UsageError(`${path.join(folder.dir, orphan)} undoes a version that has no V file in the folder`);
    refuseOrphanExtras(folder, stems, (s) => `${s}.sql`, withExtras);
    return units;
  },
  /** The last part of the highest version + 1: V1.2 → V1.3, V7 → V8. */
  nextVersion(highest) {
    if (highest === undefined) return '1';
    const parts = highest.version!.split('.');
    parts[parts.length - 1] = String(Number(parts[parts.length - 1]) + 1);
    return parts.join('.');
  },
  scaffold(dir, version, name) {
    return [
      { path: path.join(dir, `V${version}__${name}.sql`), text: `-- V${version}: the change\n` },
      { path: path.join(dir, `U${version}__${name}.sql`), text: `-- V${version}: how to undo it\n` },
    ];
  },
};
