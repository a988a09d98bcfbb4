import type { Argv } from 'yargs';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { serverErrorMessage, serverErrorPosition } from '../db/session';
import { UsageError, MigrateError } from '../errors';
import { refuseReadOnly } from '../db/writable';
import { withDatabase, type CommonOptions } from './common';
import { commonOptions, formatOf, type GlobalArgv } from './flags';
import type { Io, Outcome } from './io';
import { json } from '../render/run';

export interface BaselineOptions extends CommonOptions {
  dir: string;
}

export interface BaselineResult {
  files: string[];
  durationMs: number;
}

/** Loads a folder of .sql files, in name order, in one transaction (the rehearsal uses it too). */
export async function loadBaseline(o: BaselineOptions): Promise<BaselineResult> {
  let names: string[];
  try {
    names = readdirSync(o.dir).filter((f) => f.endsWith('.sql')).sort();
  } catch (err) {
    throw new UsageError(`cannot read baseline folder ${o.dir}: ${(err as Error).message}`);
  }
  if (names.length === 0) throw new UsageError(`no .sql files in ${o.dir}`);
  const started = performance.now();
  await withDatabase(o, async ({ session }) => {
    await refuseReadOnly(session);
    await session.transaction(async (tx) => {
      for (const name of names) {
        const file = path.join(o.dir, name);
        const text = readFileSync(file, 'utf8');
        try {
          await tx.script(text, file);
        } catch (err) {
          const p = serverErrorPosition(err, text, file);
          throw new MigrateError(`baseline ${file}${p.line ? `:${p.line}:${p.column}` : ''}: ${serverErrorMessage(err)}`, 1, 'nothing was loaded (one transaction)');
        }
      }
    });
  });
  return { files: names, durationMs: Math.round(performance.now() - started) };
}

type BaselineArgv = GlobalArgv & { dir: string };

export function builder(y: Argv): Argv {
  return y.option('dir', { type: 'string', default: 'database/baseline', describe: 'folder of .sql files, loaded in name order in one transaction' });
}

export async function handler(a: BaselineArgv, io: Io): Promise<Outcome> {
  const r = await loadBaseline({ ...commonOptions(a, io), dir: a.dir });
  return { out: formatOf(a) === 'json' ? json(r) : `loaded ${r.files.length} baseline files (${r.files.join(', ')}) in ${r.durationMs} ms\n`, exitCode: 0 };
}
