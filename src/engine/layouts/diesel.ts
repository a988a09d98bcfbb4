import path from 'node:path';
import { UsageError } from '../../errors';
import type { Unit } from '../units';
import { downIfPresent, extras, migrationUnit, nextSequence, timestampOf } from './stem';
import type { Folder, FolderEntry, Layout } from './types';

/** `2023-01-01-120000_create_users/` or `00000000000000_diesel_initial_setup/`: diesel keeps the digits as the version. */
const FOLDER = /^(\d[\d-]*)_([A-Za-z0-9][\w-]*)$/;

/** diesel: one folder per unit, holding up.sql and down.sql (and this runner's extras: precheck.sql, verify.sql, …). */
export const diesel: Layout = {
  name: 'diesel',
  form: '<version>_<name>/up.sql + down.sql',
  fits: (e: FolderEntry) => e.dir && FOLDER.test(e.name),
  read(folder: Folder): Unit[] {
    return folder.entries.map(({ name: sub }) => {
      const m = FOLDER.exec(sub)!;
      const inner = folder.sub(sub);
      if (!inner.has('up.sql')) throw new UsageError(`${path.join(folder.dir, sub)} has no up.sql`, 'a diesel migration folder holds up.sql and down.sql');
      const version = m[1].replace(/-/g, '');
      return migrationUnit({
        name: sub, version, title: m[2].replace(/_/g, ' '), upBytes: inner.bytes('up.sql'), up: { path: inner.path('up.sql'), text: inner.text('up.sql') },
        down: downIfPresent(inner, 'down.sql'), aliases: m[1] === version ? [] : [m[1]], more: extras(inner, ''),
      });
    });
  },
  /** diesel generate names folders by the time, as 2024-01-31-120000; a folder numbered 0001, 0002 goes on counting. */
  nextVersion(highest, now) {
    const stamp = timestampOf(now);
    const dashed = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}-${stamp.slice(8)}`;
    const written = highest?.name.slice(0, highest.name.indexOf('_'));
    if (written === undefined || written.includes('-')) return dashed;
    return nextSequence(written, now, dashed);
  },
  scaffold(dir, version, name) {
    const sub = path.join(dir, `${version}_${name}`);
    return [
      { path: path.join(sub, 'up.sql'), text: `-- ${version}_${name}: the change\n` },
      { path: path.join(sub, 'down.sql'), text: `-- ${version}_${name}: how to undo it\n` },
    ];
  },
};

