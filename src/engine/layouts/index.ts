import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors';
import { decode, readBytes } from '../unit-files';
import type { Unit } from '../units';
import { dbmate } from './dbmate';
import { diesel } from './diesel';
import { flyway } from './flyway';
import { golang } from './golang';
import { native } from './native';
import { nodePgMigrate } from './node-pg-migrate';
import { extraStem, STEM } from './stem';
import type { Folder, FolderEntry, Layout, LayoutName } from './types';

export type { Layout, LayoutName } from './types';

export const LAYOUTS: readonly Layout[] = [native, golang, dbmate, flyway, diesel, nodePgMigrate];

const ACCEPTED = `NNNN_name.sql (name: letters, digits, _, - and dots), with optional NNNN_name.down.sql, .precheck.sql, .verify.sql, .behaviour.sql and .expect.json beside it; or another tool's layout: ${LAYOUTS.filter((l) => l !== native).map((l) => `${l.form} (${l.name})`).join('; ')}`;

export function layoutNamed(name: string): Layout {
  const l = LAYOUTS.find((x) => x.name === name);
  if (!l) throw new UsageError(`unknown layout "${name}"`, `one of ${LAYOUTS.map((x) => x.name).join(', ')}`);
  return l;
}

/** A folder on disk; each file is read at most once (a down step only when its text is asked for, with lazyDowns). */
export function openFolder(dir: string, { lazyDowns = false }: { lazyDowns?: boolean } = {}): Folder {
  // A folder of 10,000 units has 20,000 entries: their kinds come with the listing (only a
  // symbolic link is followed by a stat of its own), and their paths from one prefix, as
  // path.join gives them for a plain entry name, without normalising each one again.
  const prefix = path.join(dir, '_').slice(0, -1);
  const entries = readdirSync(dir, { withFileTypes: true })
    .map((d) => ({ name: d.name, dir: d.isDirectory() || (d.isSymbolicLink() && statSync(prefix + d.name).isDirectory()) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const present = new Set(entries.map((e) => e.name));
  const bytes = new Map<string, Buffer>();
  const texts = new Map<string, string>();
  const folder: Folder = {
    dir,
    entries,
    lazyDowns,
    has: (name) => present.has(name),
    path: (name) => prefix + name,
    bytes(name) {
      let b = bytes.get(name);
      if (b === undefined) bytes.set(name, (b = readBytes(prefix + name)));
      return b;
    },
    text(name) {
      let t = texts.get(name);
      if (t === undefined) texts.set(name, (t = decode(prefix + name, folder.bytes(name))));
      return t;
    },
    sub: (name) => openFolder(prefix + name, { lazyDowns }),
  };
  return folder;
}

/**
 * Which layout a folder is in, from its entries' names. Every migration file must fit the
 * same one: a folder that mixes layouts, or a `.sql` file that fits none, is refused naming it.
 * An empty folder is native.
 */
export function detectLayout(folder: Folder): { layout: Layout; entries: FolderEntry[] } {
  let candidates: Layout[] = [...LAYOUTS];
  let first: { entry: FolderEntry; layouts: Layout[] } | undefined;
  const used: FolderEntry[] = [];
  for (const e of folder.entries) {
    if (!e.dir && extraStem(e.name) !== undefined) {
      used.push(e);
      continue;
    }
    // Once one layout is left, a file it takes needs no other layout's test: the outcome would
    // be the same. The text those tests read (of every NNNN_name….sql) is still read here,
    // so a file that is not UTF-8 is refused at the same point of the folder as before
    // (a down step of a folder with lazyDowns only when its text is used).
    if (candidates.length === 1 && !e.dir) {
      if (e.name.endsWith('.sql') && STEM.test(e.name.slice(0, -'.sql'.length)) && !(folder.lazyDowns && isDownFile(e.name))) folder.text(e.name);
      if (candidates[0].fits(e, folder)) {
        used.push(e);
        continue;
      }
    }
    const fits = LAYOUTS.filter((l) => l.fits(e, folder));
    if (fits.length === 0) {
      if (!e.dir && e.name.endsWith('.sql')) throw new UsageError(`${path.join(folder.dir, e.name)} is not a migration file name: expected ${ACCEPTED}`, 'rename it, or move it out of the migrations folder');
      continue;
    }
    const both = candidates.filter((l) => fits.includes(l));
    if (both.length === 0) {
      throw new UsageError(`${path.join(folder.dir, e.name)} is in the ${fits.map((l) => l.name).join('/')} layout (${fits[0].form}), but ${first!.entry.name} in the same folder is ${candidates.map((l) => l.name).join('/')} (${candidates[0].form}): a migrations folder holds one layout`,
        'rename the files to one layout, or keep each tool\'s files in a folder of their own');
    }
    first ??= { entry: e, layouts: fits };
    candidates = both;
    used.push(e);
  }
  return { layout: first ? candidates[0] : native, entries: used };
}

/** A two-file layout's down step (native, golang-migrate), whose name alone says it is one. */
const isDownFile = (name: string) => name.endsWith('.down.sql');

/** How long the reading goes on before the event loop has a turn: a round trip waits at most about as long. */
const TURN_MS = 1;

/**
 * Reads the files a layout may read (the folder's `.sql` and `.expect.json` files) ahead, letting
 * the event loop run about every millisecond: a connection opening and a query's answer
 * arriving meanwhile are taken care of in the gaps, so that the server's work overlaps this
 * reading. A file that cannot be read is left for the reading that needs it to report, in
 * its order; nothing else changes (the layout still reads from the folder, now from memory).
 */
export async function readAhead(folder: Folder): Promise<void> {
  let turn = performance.now();
  for (const e of folder.entries) {
    if (e.dir || !(e.name.endsWith('.sql') || e.name.endsWith('.expect.json')) || (folder.lazyDowns && isDownFile(e.name))) continue;
    try {
      folder.bytes(e.name);
    } catch {
      // reported by the reading that needs the file
    }
    if (performance.now() - turn >= TURN_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      turn = performance.now();
    }
  }
}

/** The units of a migrations folder in whichever layout it is, ordered by version part by part. */
export function readLayout(dir: string, folder: Folder = openFolder(dir)): { layout: LayoutName; units: Unit[] } {
  const { layout, entries } = detectLayout(folder);
  const units = layout.read({ ...folder, entries });
  return { layout: layout.name, units };
}
