import path from 'node:path';
import { UsageError } from '../../errors';
import type { Unit, UnitFile } from '../units';
import { extras, extraStem, migrationUnit, refuseOrphanExtras, STEM, stemsWithExtras, upOf } from './stem';
import type { Folder, FolderEntry, Layout } from './types';

/** How a one-file layout marks its sections. */
export interface SectionMarkers {
  up: RegExp;
  down: RegExp;
  /** The marker lines as the tool writes them, for messages. */
  upLine: string;
  downLine: string;
}

/**
 * The two sections of a one-file unit. Each keeps the file's line numbers (the down section
 * is preceded by as many empty lines as the up section held), so a report's file:line is
 * the file's; each starts with its marker line (where dbmate's `transaction:false` is read).
 */
export function sections(file: string, text: string, m: SectionMarkers): { up: UnitFile; down?: UnitFile } {
  const down = m.down.exec(text);
  const upAt = m.up.exec(text)!.index;
  if (down && down.index < upAt) throw new UsageError(`${file}: ${m.downLine} comes before ${m.upLine}`, 'put the up section first');
  if (!down) return { up: { path: file, text } };
  const before = text.slice(0, down.index);
  const downText = '\n'.repeat(before.split('\n').length - 1) + text.slice(down.index);
  // A down section with nothing in it (both tools write one in every new file) is no down step.
  const empty = text.slice(down.index + down[0].length).replace(/--.*$/gm, '').trim() === '';
  return { up: { path: file, text: before }, down: empty ? undefined : { path: file, text: downText } };
}

/** A layout of one `NNNN_name.sql` file per unit whose up and down sections start with marker lines. */
export function sectionedLayout(p: Pick<Layout, 'name' | 'form' | 'nextVersion'> & { markers: SectionMarkers }): Layout {
  const m = p.markers;
  return {
    name: p.name,
    form: p.form,
    nextVersion: p.nextVersion,
    fits: (e: FolderEntry, folder: Folder) => !e.dir && e.name.endsWith('.sql') && STEM.test(e.name.slice(0, -'.sql'.length)) && m.up.test(folder.text(e.name)),
    read(folder: Folder): Unit[] {
      const stems = new Set<string>();
      const units: Unit[] = [];
      const withExtras = stemsWithExtras(folder);
      for (const { name: file } of folder.entries) {
        if (extraStem(file) !== undefined) continue;
        const stem = file.slice(0, -'.sql'.length);
        const [, version, name] = STEM.exec(stem)!;
        stems.add(stem);
        const { upBytes, up } = upOf(folder, file);
        const parts = sections(up.path, up.text, m);
        units.push(migrationUnit({ name: stem, version, title: name.replace(/[_-]/g, ' '), upBytes, up: parts.up, down: parts.down, more: extras(folder, `${stem}.`, withExtras.has(stem)) }));
      }
      refuseOrphanExtras(folder, stems, (s) => `${s}.sql`, withExtras);
      return units;
    },
    scaffold: (dir, version, name) => [{ path: path.join(dir, `${version}_${name}.sql`), text: `${m.upLine}\n\n\n${m.downLine}\n\n` }],
  };
}
