import os from 'node:os';
import type { Session } from '../db/session';
import type { ConnectionSettings } from '../db/settings';
import { History, isApplied, type Application, type UnitRecord } from '../engine/history';
import type { Unit, UnitKind } from '../engine/units';
import { RUNNER_VERSION } from '../version';

/** The facts a change ticket wants around the checks: the target, who verified, who applied what. */
export interface ReportContext {
  /** `display` is settings.display: never a password. */
  target: { display: string; host: string; port: number; database: string; serverVersion: string };
  /** clientHost as the server sees it (null over a Unix socket); machine is this runner's hostname. */
  verifiedBy: { dbUser: string; clientHost: string | null; machine: string; runnerVersion: string };
  units: UnitHistory[];
}

export interface UnitHistory {
  unit: string;
  kind: UnitKind;
  state: 'applied' | 'adopted' | 'rolled back' | 'not applied';
  /** The latest applied or adopted row (also of a unit rolled back since); absent when never applied. */
  applied?: Application;
  /** sha256 of the up file as it is now. */
  fileChecksum: string;
  /** Whether the file still has the checksum it was applied with; null when there is none to compare. */
  matches: boolean | null;
}

/** Reads who this session is and the history of every unit verified (one query each). */
export async function reportContext(s: Session, settings: ConnectionSettings, units: readonly Unit[], states: Map<string, UnitRecord>, serverVersion: string): Promise<ReportContext> {
  const [who] = await s.query<{ db_user: string; client_host: string | null }>('select current_user as db_user, host(inet_client_addr()) as client_host');
  const applications = await History.applications(s);
  return {
    target: { display: settings.display, host: settings.host, port: settings.port, database: settings.database, serverVersion },
    verifiedBy: { dbUser: who.db_user, clientHost: who.client_host, machine: os.hostname(), runnerVersion: RUNNER_VERSION },
    units: units.map((u) => {
      const r = states.get(u.name);
      const applied = applications.get(u.name);
      const state = !r ? 'not applied' : isApplied(r) ? (r.event as 'applied' | 'adopted') : 'rolled back';
      const matches = applied?.checksum ? applied.checksum === u.checksum : null;
      return { unit: u.name, kind: u.kind, state, ...(applied ? { applied } : {}), fileChecksum: u.checksum, matches };
    }),
  };
}
