import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp';

export const ROOT = path.resolve(__dirname, '..', '..');

/** The shipped remediation content, as CLI flags. */
export const SHIPPED = ['--migrations-dir', path.join(ROOT, 'database/migrations'), '--phases-dir', path.join(ROOT, 'phases')];

/** A copy of the shipped content that a test may damage (inject a failure, change a file). */
export function copyOfShipped(): { flags: string[]; migrationsDir: string; phasesDir: string; edit(file: string, f: (text: string) => string): void } {
  const dir = tempDir('migrate-content-');
  const migrationsDir = path.join(dir, 'migrations');
  const phasesDir = path.join(dir, 'phases');
  cpSync(path.join(ROOT, 'database/migrations'), migrationsDir, { recursive: true });
  cpSync(path.join(ROOT, 'phases'), phasesDir, { recursive: true });
  return {
    flags: ['--migrations-dir', migrationsDir, '--phases-dir', phasesDir],
    migrationsDir,
    phasesDir,
    edit(file, f) {
      const p = path.join(dir, file);
      writeFileSync(p, f(readFileSync(p, 'utf8')));
    },
  };
}
