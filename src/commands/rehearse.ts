import type { Argv } from 'yargs';
import { writeRecord } from '../engine/rehearsal-record';
import { json } from '../render/run';
import { UsageError } from '../errors';
import { commonOptions, formatOf, unwritable, type GlobalArgv } from './flags';
import type { Io, Outcome } from './io';
import { rehearse, type RehearsalStep, type RehearseOptions, type RehearseResult } from './rehearse-server';
import { buildRecord, story, type StoryFacts } from './rehearse-story';

/** `migrate rehearse`: the story on an embedded server, and the record when asked for. */
export async function runRehearsal(o: RehearseOptions & { record?: string }): Promise<RehearseResult & { recordPath?: string }> {
  const facts: StoryFacts = {};
  const r = await rehearse(o, (ctx) => story(ctx, facts));
  if (!o.record || !r.ok) return r;
  writeRecord(o.record, buildRecord({ ...o, databaseUrl: undefined }, facts, r.serverVersion));
  return { ...r, recordPath: o.record };
}

type RehearseArgv = GlobalArgv & { 'baseline-dir': string; 'schema-from'?: string; keep: boolean; report: string; record?: string };

export function builder(y: Argv): Argv {
  return y
    .option('baseline-dir', { type: 'string', default: 'database/baseline', describe: 'the pre-remediation state to start from' })
    .option('schema-from', { type: 'string', describe: 'rehearse on a copy of this database\'s schema (needs pg_dump)' })
    .option('keep', { type: 'boolean', default: false, describe: 'leave the server running afterwards (until Ctrl-C)' })
    .option('report', { type: 'string', default: '.rehearsal/verification-report.md', describe: 'where the Markdown verification report goes' })
    .option('record', { type: 'string', describe: 'write a rehearsal record for `remediate --rehearsal`' });
}

export async function handler(a: RehearseArgv, io: Io): Promise<Outcome> {
  const jsonMode = formatOf(a) === 'json';
  // Found out before a server is started for an hour of work, not at its end.
  const bad = unwritable(a, ['report', 'record']);
  if (bad.length) throw new UsageError(bad.map((p) => p.message).join('; '), bad[0].hint);
  const r = await runRehearsal({
    // Its steps are its progress (printed below): no progress log beside them on a terminal.
    ...commonOptions(a, { ...io, interactive: false }),
    baselineDir: a['baseline-dir'],
    schemaFrom: a['schema-from'],
    keep: a.keep,
    reportPath: a.report,
    record: a.record,
    signal: io.signal,
    onStep: jsonMode ? undefined : (st) => io.stdout.write(renderStep(st)),
  });
  const out = jsonMode ? json(rehearseJson(r)) : renderVerdict(r);
  if (r.kept) {
    // --keep: the server stays up for exploring until Ctrl-C.
    io.stdout.write(out);
    if (io.signal) await new Promise((resolve) => io.signal!.addEventListener('abort', resolve, { once: true }));
    await r.kept.stop();
    return { out: '', exitCode: r.ok ? 0 : 1 };
  }
  return { out, exitCode: r.ok ? 0 : 1 };
}


export function renderStep(st: RehearsalStep): string {
  return `${st.ok ? '✓' : '✗'} ${st.name.padEnd(40)} ${String(st.durationMs).padStart(6)} ms  ${st.summary}${!st.ok && st.expected ? `  (expected: ${st.expected})` : ''}\n`;
}

/** The verdict after the steps (which were printed as they happened). */
export function renderVerdict(r: RehearseResult & { recordPath?: string }): string {
  const lines = [r.ok
    ? `REHEARSAL PASSED: every step did what it should (PostgreSQL ${r.serverVersion}); report ${r.reportPath}`
    : `REHEARSAL FAILED at: ${r.steps.filter((s) => !s.ok).map((s) => s.name).join(', ')}`];
  if (r.recordPath) lines.push(`record written to ${r.recordPath}`);
  if (r.kept) lines.push(`server kept running: ${r.kept.url} (password in ${r.kept.passFile}: PGPASSFILE=${r.kept.passFile} psql '${r.kept.url}'); Ctrl-C stops and removes it`);
  return lines.join('\n') + '\n';
}

export function rehearseJson(r: RehearseResult & { recordPath?: string }): unknown {
  return { ok: r.ok, serverVersion: r.serverVersion, reportPath: r.reportPath, steps: r.steps, record: r.recordPath, kept: r.kept ? { url: r.kept.url, passFile: r.kept.passFile } : undefined };
}
