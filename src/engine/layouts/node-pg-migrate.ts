import { sectionedLayout, type SectionMarkers } from './sections';
import { nextSequence } from './stem';

/** As node-pg-migrate splits its SQL migrations. */
const MARKERS: SectionMarkers = { up: /^\s*--[\s-]*up\s+migration\b.*$/im, down: /^\s*--[\s-]*down\s+migration\b.*$/im, upLine: '-- Up Migration', downLine: '-- Down Migration' };

export function isNodePgMigrateFile(text: string): boolean {
  return MARKERS.up.test(text);
}

/** node-pg-migrate's SQL migrations: `<timestamp>_name.sql` with `-- Up Migration` / `-- Down Migration` sections. */
export const nodePgMigrate = sectionedLayout({
  name: 'node-pg-migrate',
  form: 'NNNN_name.sql with -- Up Migration and -- Down Migration sections',
  markers: MARKERS,
  // node-pg-migrate create names files by the time in milliseconds.
  nextVersion: (highest, now) => nextSequence(highest?.version, now, String(now.getTime())),
});
