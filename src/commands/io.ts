import type { MigrateError } from '../errors';

/** What a command sees of the process: streams, environment, whether a person is there. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** stdin and stdout are both a terminal: a person may be asked, and sees progress. */
  interactive: boolean;
  /** Aborted on Ctrl-C (the bin wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

/** What a command handler hands back to the one wrapper in cli.ts: text to print and an exit code. */
export interface Outcome {
  out: string;
  exitCode: number;
  /** Printed as `error: …` + `hint: …` on stderr (not in JSON mode, where `out` already holds it). */
  error?: MigrateError;
}
