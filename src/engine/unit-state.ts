import { FootprintOf, type FootprintObject, type UnitFootprint } from '../analysis/footprint';
import type { ParsedStatement } from '../analysis/types';
import { parseEach, type SqlFile } from '../analysis/parse-batch';
import { describeDiff, diffFingerprints, fingerprint, isEmptyDiff, pick, type Fingerprint } from '../db/fingerprint';
import type { Session } from '../db/session';
import type { CheckResult } from '../verify/checks';
import { History, type UnitRecord } from './history';
import type { Unit, UnitFile } from './units';

/**
 * The rollback proof. Before a unit with a down step runs, the same pipelined transaction
 * calls migrate.capture_before (unit-state.sql) with the unit's footprint, the objects the
 * parser finds in its up and down steps; the state of those objects is kept in
 * migrate.unit_state, which only `rollback` reads. A rollback hashes the same footprint again,
 * in its own transaction, and fails (and is undone) unless every entry is as it was.
 *
 * A unit whose footprint cannot be known statically (dynamic SQL in a DO block, CALL, an
 * unknown extension) has every object of the schemas it can reach in its footprint: wider,
 * and growing with those schemas, but bounded by them rather than by the whole catalog.
 */
export type RollbackProof =
  | { kind: 'footprint'; objects: FootprintObject[]; schemas: string[]; before: Fingerprint }
  /** A row written by an earlier version of the runner: the whole catalog's map in the history row. */
  | { kind: 'whole-catalog'; before: Fingerprint; footprint: string[] };

// Keyed by the up step's file object, which a copy of the unit ({ ...u, transactional }) keeps.
const prepared = new WeakMap<UnitFile, UnitFootprint>();

// The up step's part of a footprint, from the plan's one parse of it (notePlannedUpStep).
const upParts = new WeakMap<UnitFile, FootprintOf>();

/** The plan parsed this unit's up step: its part of the footprint is kept, so the run parses only the down step. */
export function notePlannedUpStep(unit: Unit, statements: readonly ParsedStatement[]): void {
  if (!unit.down || prepared.has(unit.up) || upParts.has(unit.up)) return;
  const f = new FootprintOf();
  f.addStep(statements);
  upParts.set(unit.up, f);
}

/**
 * Parses the units' up and down steps for their footprints, once (sendUnit needs them at
 * hand). The files of all the units given go through one batched parse (analysis/parse-batch:
 * each result is the file's own parse), so a caller may prepare several units ahead.
 */
export async function prepareFootprints(units: readonly Unit[]): Promise<void> {
  // Per unit (by its up step, as `prepared`): its footprint so far, the plan's up part or a new one.
  const todo = new Map<UnitFile, FootprintOf>();
  const files: SqlFile[] = [];
  const owner: FootprintOf[] = [];
  for (const u of units) {
    if (!u.down || prepared.has(u.up) || todo.has(u.up)) continue;
    let f = upParts.get(u.up);
    if (f) upParts.delete(u.up);
    else {
      f = new FootprintOf();
      files.push({ file: u.up.path, text: u.up.text });
      owner.push(f);
    }
    files.push({ file: u.down.path, text: u.down.text });
    owner.push(f);
    todo.set(u.up, f);
  }
  if (todo.size === 0) return;
  // In file order, so each footprint gets its up step, then its down step.
  await parseEach(files, (r, i) => owner[i].addStep(r.ok ? r.statements : r.parsedBefore));
  for (const [up, f] of todo) prepared.set(up, f.result());
}

/** The pipeline step that keeps the footprint's state before the unit's own statements. */
export function captureStep(runId: string, unit: Unit): { query: string; params: unknown[]; joinable: true } {
  const f = prepared.get(unit.up);
  if (!f) throw new Error(`internal: the footprint of ${unit.name} was not prepared`);
  return { query: 'select migrate.capture_before($1, $2, $3::text::jsonb, array(select jsonb_array_elements_text($4::text::jsonb)))', params: [runId, unit.name, JSON.stringify(f.objects), JSON.stringify(f.schemas)], joinable: true };
}

export function captureSteps(runId: string, unit: Unit): Array<{ query: string; params: unknown[]; joinable: true }> {
  return unit.down ? [captureStep(runId, unit)] : [];
}

/** The proof kept for a unit's latest application, from migrate.unit_state or an old history row; null when none was kept. */
export async function loadProof(s: Session, record: Pick<UnitRecord, 'unit' | 'runId'> | undefined): Promise<RollbackProof | null> {
  if (!record) return null;
  const [{ present }] = await s.query<{ present: boolean }>("select to_regclass('migrate.unit_state') is not null as present");
  const [row] = present
    ? await s.query<{ proof: string }>('select json_build_object(\'objects\', objects, \'schemas\', schemas, \'before\', before)::text as proof from migrate.unit_state where run_id = $1 and unit = $2', [record.runId, record.unit])
    : [];
  if (row) return { kind: 'footprint', ...(JSON.parse(row.proof) as { objects: FootprintObject[]; schemas: string[]; before: Fingerprint }) };
  const detail = await History.applyDetail(s, record.runId, record.unit);
  return detail && typeof detail.before === 'object' && Array.isArray(detail.footprint)
    ? { kind: 'whole-catalog', before: detail.before as Fingerprint, footprint: detail.footprint as string[] }
    : null;
}

/** The footprint's state now (the before-state of the rollback's comparison). */
async function footprintNow(s: Session, objects: FootprintObject[], schemas: string[]): Promise<Fingerprint> {
  const [row] = await s.query<{ fp: string }>('select migrate.footprint($1::text::jsonb, array(select jsonb_array_elements_text($2::text::jsonb)))::text as fp', [JSON.stringify(objects), JSON.stringify(schemas)]);
  return JSON.parse(row.fp) as Fingerprint;
}

/**
 * The "schema restored" check of a rollback, after its down step, and whether the schema
 * equals the pre-apply one: within the footprint for a footprint proof, in the whole catalog
 * for an old history row.
 */
export async function proveRestored(s: Session, proof: RollbackProof): Promise<{ check: CheckResult; schemaEqualsBefore: boolean }> {
  let diff;
  let count: number;
  let schemaEqualsBefore: boolean;
  if (proof.kind === 'footprint') {
    diff = diffFingerprints(proof.before, await footprintNow(s, proof.objects, proof.schemas));
    count = Object.keys(proof.before).length;
    schemaEqualsBefore = isEmptyDiff(diff);
  } else {
    const now = await fingerprint(s);
    diff = diffFingerprints(pick(proof.before, proof.footprint), pick(now, proof.footprint));
    count = proof.footprint.length;
    schemaEqualsBefore = isEmptyDiff(diffFingerprints(proof.before, now));
  }
  const ok = isEmptyDiff(diff);
  return { check: { task: 8, check: 'schema restored', ok, detail: ok ? `${count} objects the unit touched are back as before` : `not restored: ${describeDiff(diff)}` }, schemaEqualsBefore };
}

/** migrate.footprint's key of a relation: regclass text, quoted where PostgreSQL quotes. */
const relationKey = (o: FootprintObject) => `relation ${[o.s!, o.n].map((p) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`)).join('.')}`;

/** Relations of the footprint that did not exist before the unit: what its rollback may drop with their rows. */
export function createdRelations(proof: RollbackProof | null): string[] {
  if (!proof) return [];
  if (proof.kind === 'whole-catalog') return proof.footprint.filter((k) => k.startsWith('table ') && !proof.before[k]).map((k) => k.slice('table '.length));
  return proof.objects.filter((o) => o.k === 'relation' && !(relationKey(o) in proof.before)).map((o) => `${o.s}.${o.n}`);
}

/** The object a whole-catalog fingerprint key (db/fingerprint.ts: "column public.t.c") is part of. */
function ownerOf(key: string): { k: FootprintObject['k']; name: string } {
  const [kind, ...rest] = key.split(' ');
  const name = rest.join(' ');
  const parts = name.replace(/\(.*$/, '').split('.');
  if (kind === 'schema') return { k: 'schema', name };
  if (kind === 'function') return { k: 'function', name: parts.slice(0, 2).join('.') };
  if (kind === 'type') return { k: 'type', name: parts.slice(0, 2).join('.') };
  return { k: 'relation', name: parts.slice(0, 2).join('.') };
}

/** Whether a whole-catalog fingerprint key belongs to an object of the proof's footprint. */
export function inFootprint(proof: RollbackProof, key: string): boolean {
  if (proof.kind === 'whole-catalog') return proof.footprint.includes(key);
  const o = ownerOf(key);
  const schema = o.k === 'schema' ? o.name : o.name.slice(0, o.name.lastIndexOf('.'));
  return proof.schemas.includes(schema) || proof.objects.some((x) => x.k === o.k && (x.s ? `${x.s}.${x.n}` : x.n) === o.name);
}
