import path from 'node:path';
import { UsageError } from '../../errors';
import type { Unit, UnitFile } from '../units';
import { extras, extraStem, migrationUnit, nextSequence, refuseOrphanExtras, STEM, timestampOf, upOf } from './stem';
import type { Folder, FolderEntry, Layout } from './types';

const UP = /^--\s*migrate:up\b.*$/m;
const DOWN = /^--\s*migrate:down\b.*$/m;

/** A dbmate file: one `NNNN_name.sql` whose sections start with `-- migrate:up` and `-- migrate:down`. */
export function isDbmateFile(text: string): boolean {
  return UP.test(text);
}

/**
 * The two sections of a dbmate file. Each keeps the file's line numbers (the down section
 * is preceded by as many empty lines as the up section held), so a report's file:line is
 * the file's; each starts with its marker line, where `transaction:false` is read.
 */
export function sections(file: string, text: string): { up: UnitFile; down?: UnitFile } {
  const down = DOWN.exec(text);
  const upAt = UP.exec(text)!.index;
  if (down && down.index < upAt) throw new UsageError(`${file}: -- migrate:down comes before -- migrate:up`, 'put the up section first, as dbmate requires');
  if (!down) return { up: { path: file, text } };
  const before = text.slice(0, down.index);
  const downText = '\n'.repeat(before.split('\n').length - 1) + text.slice(down.index);
  // A down section with nothing in it (dbmate writes one in every new file) is no down step.
  const empty = text.slice(down.index + down[0].length).replace(/--.*$/gm, '').trim() === '';
  return { up: { path: file, text: before }, down: empty ? undefined : { path: file, text: downText } };
}

export const dbmate: Layout = {
  name: 'dbmate',
  form: 'NNNN_name.sql with -- migrate:up and -- migrate:down sections',
  fits(e: FolderEntry, folder: Folder): boolean {
    return !e.dir && e.name.endsWith('.sql') && STEM.test(e.name.slice(0, -'.sql'.length)) && isDbmateFile(folder.text(e.name));
  },
  read(folder: Folder): Unit[] {
    const stems = new Set<string>();
    const units: Unit[] = [];
    for (const { name: file } of folder.entries) {
      if (extraStem(file) !== undefined) continue;
      const stem = file.slice(0, -'.sql'.length);
      const m = STEM.exec(stem)!;
      stems.add(stem);
      const { upBytes, up } = upOf(folder, file);
      const parts = sections(up.path, up.text);
      units.push(migrationUnit({ name: stem, version: m[1], title: m[2].replace(/_/g, ' '), upBytes, up: parts.up, down: parts.down, more: extras(folder, `${stem}.`) }));
    }
    refuseOrphanExtras(folder, stems, (s) => `${s}.sql`);
    return units;
  },
  // dbmate new names files by the time.
  nextVersion: (highest, now) => nextSequence(highest?.version, now, timestampOf(now)),
  scaffold(dir, version, name) {
    return [{ path: path.join(dir, `${version}_${name}.sql`), text: '-- migrate:up\n\n\n-- migrate:down\n\n' }];
  },
};
