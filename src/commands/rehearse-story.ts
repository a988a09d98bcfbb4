import { diffFingerprints, fingerprint, type Fingerprint } from '../db/fingerprint';
import { History } from '../engine/history';
import { inFootprint, loadProof, proveRestored } from '../engine/unit-state';
import { renderVerifyMarkdown } from '../render/markdown';
import { writeOutput } from '../render/output';
import type { CommonOptions } from './common';
import { planHash, type RehearsalRecord } from '../engine/rehearsal-record';
import { RUNNER_VERSION } from '../version';
import { phaseUnits, withDatabase } from './common';
import { plan } from './plan';
import { remediate } from './remediate';
import { rollback } from './rollback';
import type { StoryContext } from './rehearse-server';
import { verify } from './verify';

type Step = [string, () => Promise<{ ok: boolean; summary: string; expected?: string }>];

/** Durations of the remediation run, kept for the rehearsal record. */
export interface StoryFacts {
  remediation?: Array<{ name: string; durationMs: number; action: string; lockWaitMs?: number }>;
  /** Per unit, the locks its statements take on tables that existed before it (from the plan). */
  locks?: Map<string, Array<{ table: string; lock: string; line: number }>>;
}

/**
 * The rehearsal's story, in the order a DBA would tell it. Nothing here names a table:
 * "the last unit" is whatever the phases end with (0024 in this project).
 */
export function story(ctx: StoryContext, facts: StoryFacts): Step[] {
  const o: CommonOptions = { ...ctx.common, lockWaitMs: 30000 };
  const last = phaseUnits(o).at(-1)!;
  let beforeRollback: Fingerprint | undefined;
  const verifyStep = (label: string): Step => [label, async () => {
    const r = await verify(o);
    writeOutput(ctx.reportPath, renderVerifyMarkdown(r));
    const bad = r.tasks.filter((t) => t.status !== 'pass' && t.status !== 'n/a');
    return { ok: r.approved, summary: `${r.approved ? 'APPROVED' : 'NOT APPROVED'}: ${r.tasks.map((t) => `${t.id} ${t.status}`).join(', ')}${bad.length ? ` (failing: ${bad.map((t) => t.name).join(', ')})` : ''}; report ${ctx.reportPath}`, expected: r.approved ? undefined : 'APPROVED' };
  }];
  return [
    ['plan', async () => {
      const r = await plan(o);
      const gaps = r.gaps.map((g) => `${g.kind} ${g.name}`);
      const summary = `${r.ready ? 'READY' : 'BLOCKED'}${gaps.length ? `: missing ${[...new Set(gaps)].join(', ')}` : ''}`;
      // On the baseline the migrations alone must be blocked; a copied schema may be either.
      return ctx.fromSchema ? { ok: true, summary } : { ok: !r.ready && gaps.length > 0, summary, expected: 'BLOCKED with the missing prerequisites listed' };
    }],
    ['plan --remediate', async () => {
      const r = await plan({ ...o, remediate: true });
      facts.locks = new Map(r.units.map((u) => [u.name, u.locks.map((l) => ({ table: l.table, lock: l.lock, line: l.line }))]));
      return { ok: r.ready, summary: `${r.ready ? 'READY' : 'BLOCKED'}: ${r.units.length} units to apply${r.gaps.length ? `, gaps: ${r.gaps.map((g) => g.name).join(', ')}` : ''}`, expected: 'READY' };
    }],
    ['remediate', async () => {
      const r = await remediate(o);
      facts.remediation = r.units.map((u) => ({ name: u.name, durationMs: u.durationMs, action: u.action, lockWaitMs: u.lockWaitMs }));
      return { ok: r.ok, summary: r.error ? `failed: ${r.error.message}` : r.units.map((u) => `${u.name} ${u.action} ${u.durationMs} ms`).join(', '), expected: 'every unit applied and verified' };
    }],
    verifyStep('verify'),
    [`rollback ${last.name}`, async () => {
      beforeRollback = await withDatabase(o, ({ session }) => fingerprint(session));
      const r = await rollback({ ...o, unit: last.name, allowDataLoss: false });
      const u = r.units[0];
      const ok = r.ok && u?.action === 'rolled-back' && u.schemaEqualsBefore === true && r.reapply?.ok === true;
      return { ok, summary: r.error ? `failed: ${r.error.message}` : `${u?.action}; objects gone; schema equals pre-apply: ${u?.schemaEqualsBefore}; re-apply rehearsed: ${r.reapply?.ok ? 'ok' : 'FAILED'}`, expected: 'rolled back, schema equal to before, re-apply proven' };
    }],
    // Checked here apart from the rollback's own proof: the unit's footprint is as before it was
    // applied, and nothing outside it changed between just before the rollback and now.
    ['schema equals the pre-apply fingerprint', async () => withDatabase(o, async ({ session }) => {
      const proof = await loadProof(session, (await History.applications(session)).get(last.name));
      if (!proof || !beforeRollback) return { ok: false, summary: `no pre-apply state kept for ${last.name}` };
      const restored = await proveRestored(session, proof);
      const d = diffFingerprints(beforeRollback, await fingerprint(session));
      const outside = [...d.added, ...d.removed, ...d.changed].filter((k) => !inFootprint(proof, k));
      const ok = restored.check.ok && outside.length === 0;
      return { ok, summary: !restored.check.ok ? restored.check.detail : outside.length ? `changed outside the footprint of ${last.name}: ${outside.slice(0, 8).join(', ')}` : `${restored.check.detail}; nothing else in the catalog changed` };
    })],
    ['re-apply', async () => {
      const r = await remediate(o);
      const applied = r.units.filter((u) => u.action === 'applied').map((u) => u.name);
      return { ok: r.ok && applied.length === 1 && applied[0] === last.name, summary: r.error ? `failed: ${r.error.message}` : `applied ${applied.join(', ') || 'nothing'}`, expected: `${last.name} applied again` };
    }],
    ['remediate again (idempotency)', async () => {
      const r = await remediate(o);
      const notSkipped = r.units.filter((u) => u.action !== 'skipped');
      return { ok: r.ok && notSkipped.length === 0, summary: notSkipped.length ? `changed: ${notSkipped.map((u) => `${u.name} ${u.action}`).join(', ')}` : `all ${r.units.length} units skipped`, expected: 'every unit skipped' };
    }],
    verifyStep('verify again'),
  ];
}

/** The record that ties a production run to this rehearsal (`remediate --rehearsal FILE`). */
export function buildRecord(o: CommonOptions, facts: StoryFacts, serverVersion: string): RehearsalRecord {
  const units = phaseUnits(o);
  const ran = new Map((facts.remediation ?? []).map((u) => [u.name, u]));
  return {
    format: 'migrate-rehearsal/1',
    createdAt: new Date().toISOString(),
    planHash: planHash(units),
    serverVersion,
    runnerVersion: RUNNER_VERSION,
    units: units.map((u) => ({
      name: u.name, checksum: u.checksum, durationMs: ran.get(u.name)?.durationMs ?? 0, action: ran.get(u.name)?.action ?? 'not run',
      lockWaitMs: ran.get(u.name)?.lockWaitMs ?? 0,
      locks: facts.locks?.get(u.name) ?? [],
    })),
  };
}
