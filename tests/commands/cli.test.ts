import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../harness/cli';
import { ROOT } from '../harness/project';

describe('the command line itself', () => {
  test('--version prints the package version alone', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}\n`);
  });

  test('a mistyped command gets one line and a suggestion, exit 2', async () => {
    const run = await runCli(['rollbak', '0024']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: Unknown arguments: rollbak, 0024\nhint: Did you mean rollback?\n');
  });

  test('no command is a usage error; --help is not', async () => {
    expect((await runCli([])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['plan', 'up', 'remediate', 'rollback', 'verify', 'status', 'rehearse', 'baseline']) expect(help.stdout).toMatch(new RegExp(`migrate ${c}\\b`));
  });

  test('--connection-timeout takes a duration of at least 1s, checked before connecting', async () => {
    const bad = await runCli(['status', '--database-url', 'postgres://nobody@127.0.0.1:1/x', '--connection-timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --connection-timeout "soon" is not a duration/);
    const short = await runCli(['status', '--database-url', 'postgres://nobody@127.0.0.1:1/x', '--connection-timeout', '200ms']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/^error: --connection-timeout "200ms" is below 1s/);
  });

  test('a flag of another command is refused, not ignored', async () => {
    const run = await runCli(['status', '--yes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unknown argument: yes/);
  });
});
