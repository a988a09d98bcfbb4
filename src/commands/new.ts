import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { LAYOUTS, layoutNamed, type LayoutName } from '../engine/layouts';
import { loadMigrationFolder } from '../engine/units';
import { UsageError } from '../errors';
import { json } from '../render/run';
import { unitFolders, formatOf, outputFlags, type GlobalArgv, type OutputArgv } from './flags';
import type { Io, Outcome } from './io';
import { emit } from './outcome';

export interface NewOptions {
  migrationsDir: string;
  name: string;
  /** For an empty (or missing) folder: which layout to start it in (default native). */
  layout?: LayoutName;
  now?: Date;
}

export interface NewResult {
  layout: LayoutName;
  unit: string;
  version: string;
  files: string[];
}

const NAME = /^[A-Za-z0-9][\w-]*$/;

/**
 * `migrate new NAME`: the next unit in the folder's layout, numbered after the highest one in
 * the same width (or by the time, where the folder is numbered by time). Never overwrites a file.
 */
export function createUnit(o: NewOptions): NewResult {
  if (!NAME.test(o.name)) throw new UsageError(`"${o.name}" is not a unit name`, 'use letters, digits, _ and -, e.g. add_users_email');
  const dir = path.resolve(o.migrationsDir);
  const { layout: found, units } = existsSync(dir) ? loadMigrationFolder(dir) : { layout: 'native' as const, units: [] };
  if (o.layout && units.length > 0 && o.layout !== found) {
    throw new UsageError(`${o.migrationsDir} holds ${found} migrations, so a new ${o.layout} unit would mix layouts`, `leave out --layout (the folder's layout is used), or choose another --migrations-dir`);
  }
  const layout = layoutNamed(units.length === 0 ? o.layout ?? 'native' : found);
  const version = layout.nextVersion(units[units.length - 1], o.now ?? new Date());
  const files = layout.scaffold(dir, version, o.name);
  const taken = files.find((f) => existsSync(f.path));
  if (taken) throw new UsageError(`${taken.path} already exists; nothing was written`);
  for (const f of files) {
    mkdirSync(path.dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.text, { flag: 'wx' });
  }
  const unit = layout.name === 'diesel' ? path.basename(path.dirname(files[0].path)) : path.basename(files[0].path).replace(/(\.up)?\.sql$/, '');
  return { layout: layout.name, unit, version, files: files.map((f) => path.relative(process.cwd(), f.path) || f.path) };
}

type NewArgv = GlobalArgv & OutputArgv & { name: string; layout?: LayoutName };

export function builder(y: Argv): Argv {
  return outputFlags(y)
    .positional('name', { type: 'string', describe: 'what the unit does, e.g. add_users_email' })
    .option('layout', { choices: LAYOUTS.map((l) => l.name), describe: 'for an empty folder: the layout to start (default native); otherwise the folder\'s own' });
}

export async function handler(a: NewArgv, _io: Io): Promise<Outcome> {
  const r = createUnit({ migrationsDir: unitFolders(a).migrationsDir, name: a.name, layout: a.layout });
  const text = `created ${r.unit} (${r.layout} layout):\n${r.files.map((f) => `  ${f}\n`).join('')}`;
  return emit(a, formatOf(a) === 'json' ? json(r) : text, { exitCode: 0, summary: `migrate new: ${r.unit}` });
}
