import { nextSequence, readPairs, scaffoldPair, STEM } from './stem';
import type { Folder, FolderEntry, Layout } from './types';

/** golang-migrate and morph: `NNNN_name.up.sql` + `NNNN_name.down.sql` (morph's `-- morph:nontransactional` is read by analysis/marker.ts). */
export const golang: Layout = {
  name: 'golang-migrate',
  form: 'NNNN_name.up.sql + NNNN_name.down.sql',
  fits(e: FolderEntry, folder: Folder): boolean {
    if (e.dir) return false;
    if (e.name.endsWith('.up.sql')) return STEM.test(e.name.slice(0, -'.up.sql'.length));
    return e.name.endsWith('.down.sql') && folder.has(`${e.name.slice(0, -'.down.sql'.length)}.up.sql`);
  },
  read: (folder) => readPairs(folder, '.up.sql'),
  nextVersion: (highest, now) => nextSequence(highest?.version, now, '000001'),
  scaffold: (dir, version, name) => scaffoldPair(dir, version, name, '.up.sql'),
};
