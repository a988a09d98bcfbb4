import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp';

/** A throwaway project folder with the given migration files, e.g. {'0001_a.sql': '...'}. */
export function migrationsProject(files: Record<string, string>): { dir: string; migrationsDir: string; phasesDir: string; write(name: string, text: string): void } {
  const dir = tempDir('migrate-fixture-');
  const migrationsDir = path.join(dir, 'migrations');
  const phasesDir = path.join(dir, 'phases');
  mkdirSync(migrationsDir);
  mkdirSync(phasesDir);
  const write = (name: string, text: string) => writeFileSync(path.join(migrationsDir, name), text);
  for (const [name, text] of Object.entries(files)) write(name, text);
  return { dir, migrationsDir, phasesDir, write };
}
