import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp';

/** A throwaway migrations folder whose files may sit in sub-folders (diesel): {'2024-01-01-000000_a/up.sql': '...'}. */
export function layoutFolder(files: Record<string, string>): { dir: string; migrationsDir: string; write(name: string, text: string): void } {
  const dir = tempDir('migrate-layout-');
  const migrationsDir = path.join(dir, 'migrations');
  const write = (name: string, text: string) => {
    mkdirSync(path.dirname(path.join(migrationsDir, name)), { recursive: true });
    writeFileSync(path.join(migrationsDir, name), text);
  };
  mkdirSync(migrationsDir);
  for (const [name, text] of Object.entries(files)) write(name, text);
  return { dir, migrationsDir, write };
}
