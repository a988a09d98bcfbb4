import { PassThrough } from 'node:stream';
import { main } from '../../src/cli';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

/** Runs the CLI in-process on an argv array, as a user would type it, capturing its output. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(args, { stdout, stderr, env: { PATH: process.env.PATH, ...env }, interactive: false });
  return {
    code,
    stdout: out,
    stderr: err,
    json() {
      return JSON.parse(out);
    },
  };
}
