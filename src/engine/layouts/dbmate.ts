import { sectionedLayout, type SectionMarkers } from './sections';
import { nextSequence, timestampOf } from './stem';

const MARKERS: SectionMarkers = { up: /^--\s*migrate:up\b.*$/m, down: /^--\s*migrate:down\b.*$/m, upLine: '-- migrate:up', downLine: '-- migrate:down' };

/** A dbmate file: one `NNNN_name.sql` whose sections start with `-- migrate:up` and `-- migrate:down`. */
export function isDbmateFile(text: string): boolean {
  return MARKERS.up.test(text);
}

/** dbmate: the down section never runs on up; `-- migrate:up transaction:false` is read by analysis/marker.ts. */
export const dbmate = sectionedLayout({
  name: 'dbmate',
  form: 'NNNN_name.sql with -- migrate:up and -- migrate:down sections',
  markers: MARKERS,
  // dbmate new names files by the time.
  nextVersion: (highest, now) => nextSequence(highest?.version, now, timestampOf(now)),
});
