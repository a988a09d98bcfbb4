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

  test('a flag of another command is refused, not ignored', async () => {
    const run = await runCli(['status', '--yes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unknown argument: yes/);
  });
});
