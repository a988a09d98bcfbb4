import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The package version, recorded in every history row. Works from src/ (tests) and dist/. */
export const RUNNER_VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
})();
