import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

// Each test file gets its own module registry, so this runs once per file, after its tests.
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder removed when the test file is done. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * A temporary folder under /tmp that every user may enter, removed likewise: a TMPDIR of its
 * own for a child that starts an embedded server (run as OS user postgres when root).
 */
export function openTempDir(prefix: string): string {
  const dir = mkdtempSync(path.join('/tmp', prefix));
  chmodSync(dir, 0o755);
  made.push(dir);
  return dir;
}
