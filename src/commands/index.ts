import type { Argv } from 'yargs';
import type { Io, Outcome } from './io';

/** What a command module exports for the CLI: its flags and its handler. */
export interface CommandModule {
  builder(y: Argv): Argv;
  handler(argv: any, io: Io): Promise<Outcome>;
}

export interface CommandEntry {
  /** yargs command string: name and positionals. */
  command: string;
  describe: string;
  /** Loaded only when chosen: `status` must not pay for the parser and umzug at start-up. */
  load(): CommandModule;
}

export const COMMANDS: readonly CommandEntry[] = [
  { command: 'plan', describe: 'read-only: what `up` (or --remediate) would do, what it needs, what blocks it', load: () => require('./plan') },
  { command: 'up [target]', describe: 'apply pending migrations from the migrations folder', load: () => require('./up') },
  { command: 'remediate', describe: 'run the remediation phases and the post-verification as one guarded sequence', load: () => require('./remediate') },
  { command: 'rollback <unit>', describe: 'roll back one unit (a number prefix, a full name, or a phase)', load: () => require('./rollback') },
  { command: 'verify', describe: 'the eight validation tasks; exit 4 unless approved (--format text|json|markdown)', load: () => require('./verify') },
  { command: 'status', describe: 'every unit: applied, pending, drifted, adopted', load: () => require('./status') },
  { command: 'rehearse', describe: 'the whole story on an embedded PostgreSQL it starts and removes itself', load: () => require('./rehearse') },
  { command: 'baseline', describe: 'load the pre-remediation state (a folder of .sql files) into a database', load: () => require('./baseline') },
];
