import { isDbmateFile } from './dbmate';
import { isNodePgMigrateFile } from './node-pg-migrate';
import { nextSequence, readPairs, scaffoldPair, STEM } from './stem';
import type { Folder, FolderEntry, Layout } from './types';

/** This runner's layout: `NNNN_name.sql`, with `NNNN_name.down.sql` and the extras beside it. */
export const native: Layout = {
  name: 'native',
  form: 'NNNN_name.sql + NNNN_name.down.sql',
  fits(e: FolderEntry, folder: Folder): boolean {
    if (e.dir || !e.name.endsWith('.sql')) return false;
    if (e.name.endsWith('.down.sql')) return !folder.has(`${e.name.slice(0, -'.down.sql'.length)}.up.sql`);
    const base = e.name.slice(0, -'.sql'.length);
    return STEM.test(base) && !base.endsWith('.up') && !isDbmateFile(folder.text(e.name)) && !isNodePgMigrateFile(folder.text(e.name));
  },
  read: (folder) => readPairs(folder, '.sql'),
  nextVersion: (highest, now) => nextSequence(highest?.version, now, '0001'),
  scaffold: (dir, version, name) => scaffoldPair(dir, version, name, '.sql'),
};
