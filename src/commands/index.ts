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
  /** Shown under the command's --help: a command line and what it does. */
  examples: ReadonlyArray<[string, string]>;
  /** Loaded only when chosen: `status` must not pay for the parser and umzug at start-up. */
  load(): CommandModule;
}

export const COMMANDS: readonly CommandEntry[] = [
  { command: 'plan', describe: 'read-only: what `up` (or --remediate) would do, what it needs, what blocks it', load: () => require('./plan'),
    examples: [['migrate plan --database-url postgres://app@db/app', 'what up would apply, and whether anything blocks it']] },
  { command: 'up [target]', describe: 'apply pending migrations from the migrations folder', load: () => require('./up'),
    examples: [['migrate up --window-end 02:30', 'apply every pending migration, none that cannot finish by 02:30'], ['migrate up 0042 --dry-run', 'up to 0042, in a transaction rolled back']] },
  { command: 'remediate', describe: 'run the remediation phases and the post-verification as one guarded sequence', load: () => require('./remediate'),
    examples: [['migrate remediate --dry-run', 'the whole sequence in a transaction, rolled back']] },
  { command: 'rollback <unit>', describe: 'roll back one unit (a number prefix, a full name, or a phase)', load: () => require('./rollback'),
    examples: [['migrate rollback 0024 --yes', 'run 0024\'s down step']] },
  { command: 'verify', describe: 'the eight validation tasks; exit 4 unless approved (--format text|json|markdown)', load: () => require('./verify'),
    examples: [['migrate verify --format markdown --out report.md', 'the report as Markdown, in a file']] },
  { command: 'status', describe: 'every unit: applied, pending, drifted, adopted, imported', load: () => require('./status'),
    examples: [['migrate status --json', 'every unit\'s state, for a script']] },
  { command: 'log', describe: 'the history, newest first: event, run, unit, who, from where, when, how long', load: () => require('./log'),
    examples: [['migrate log --limit 20', 'the last 20 events'], ['migrate log --unit 0042 --json', 'every event of 0042']] },
  { command: 'new <name>', describe: 'create the next unit in the migrations folder\'s layout', load: () => require('./new'),
    examples: [['migrate new add_users_email', 'e.g. 0043_add_users_email.sql and 0043_add_users_email.down.sql']] },
  { command: 'import', describe: 'record what Flyway, golang-migrate, dbmate or node-pg-migrate applied, running nothing', load: () => require('./import'),
    examples: [['migrate import --from flyway --dry-run', 'what would be recorded from flyway_schema_history'], ['migrate import --from golang-migrate --yes', 'record it']] },
  { command: 'repair <unit>', describe: 'after a reviewed edit of an applied file: record its new checksum; clears a failed last attempt', load: () => require('./repair'),
    examples: [['migrate repair 0042 --yes', 'record 0042\'s file as it is now']] },
  { command: 'rehearse', describe: 'the whole story on an embedded PostgreSQL it starts and removes itself', load: () => require('./rehearse'),
    examples: [['migrate rehearse', 'baseline, plan, remediate, verify, rollback and re-apply on a throw-away server']] },
  { command: 'baseline', describe: 'load the pre-remediation state (a folder of .sql files) into a database', load: () => require('./baseline'),
    examples: [['migrate baseline --database-url postgres://app@localhost/scratch', 'load database/baseline']] },
];
