import type { Unit } from '../units';

export type LayoutName = 'native' | 'golang-migrate' | 'dbmate' | 'flyway' | 'diesel' | 'node-pg-migrate';

export interface FolderEntry {
  name: string;
  dir: boolean;
}

/** A migrations folder as the layouts see it: its entries, read at most once each. */
export interface Folder {
  dir: string;
  entries: readonly FolderEntry[];
  /** Down steps are read when their text is first asked for, not with the folder: for a command that only asks whether a unit has one (status). */
  lazyDowns: boolean;
  has(name: string): boolean;
  /** An entry's path: path.join(dir, name). */
  path(name: string): string;
  /** An entry's bytes (read once, shared by the layout test and the unit's checksum). */
  bytes(name: string): Buffer;
  /** An entry's text, refused when it is not UTF-8. */
  text(name: string): string;
  /** A folder inside this one (a diesel unit), read the same way. */
  sub(name: string): Folder;
}

export interface NewFile {
  path: string;
  text: string;
}

/** One tool's way of naming migration files; index.ts picks the one a folder's names fit. */
export interface Layout {
  name: LayoutName;
  /** How its files are named, for messages. */
  form: string;
  /** Whether an entry belongs to this layout, from its name (a one-file layout also looks at the text). */
  fits(entry: FolderEntry, folder: Folder): boolean;
  /** The folder's units; every entry in it fits this layout. Refuses an incomplete unit, naming its file. */
  read(folder: Folder): Unit[];
  /** The version of the unit after `highest` (the folder's last unit), or of the first one. */
  nextVersion(highest: Unit | undefined, now: Date): string;
  /** The files of a new unit with this version and name. */
  scaffold(dir: string, version: string, name: string): NewFile[];
}
