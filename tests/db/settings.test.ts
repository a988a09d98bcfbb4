import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { redactUrl, resolveSettings } from '../../src/db/settings';
import { tempDir } from '../harness/tmp';
import { UsageError } from '../../src/errors';

describe('connection settings', () => {
  test('the flag wins over DATABASE_URL, which wins over PG* variables', () => {
    const env = { DATABASE_URL: 'postgres://env@envhost/envdb', PGHOST: 'pghost', PGDATABASE: 'pgdb' };
    expect(resolveSettings('postgres://flag@flaghost:6543/flagdb', env)).toMatchObject({ source: 'flag', host: 'flaghost', port: 6543, database: 'flagdb', user: 'flag' });
    expect(resolveSettings(undefined, env)).toMatchObject({ source: 'DATABASE_URL', host: 'envhost', database: 'envdb' });
    expect(resolveSettings(undefined, { PGHOST: 'pghost', PGDATABASE: 'pgdb', PGUSER: 'dba', PGPORT: '5433', PGSSLMODE: 'require', PGPASSWORD: 'pw' }))
      .toMatchObject({ source: 'PG*', host: 'pghost', port: 5433, database: 'pgdb', user: 'dba', sslmode: 'require', password: 'pw' });
  });

  test('sslmode from the URL is honoured and validated', () => {
    expect(resolveSettings('postgres://u@h/db?sslmode=verify-full', {}).sslmode).toBe('verify-full');
    expect(resolveSettings('postgres://u@h/db', {}).sslmode).toBe('prefer');
    expect(() => resolveSettings('postgres://u@h/db?sslmode=sometimes', {})).toThrow(/sslmode "sometimes" is not one of/);
  });

  test('the display URL and every error leave the password out', () => {
    const s = resolveSettings('postgres://bob:s3cret@db1:5432/app?sslmode=require', {});
    expect(s.display).toBe('postgres://bob@db1:5432/app?sslmode=require');
    expect(s.display).not.toContain('s3cret');
    let err: unknown;
    try {
      resolveSettings('postgres://bob:s3cret@db1:port/app', {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).not.toContain('s3cret');
    expect(redactUrl('could not reach postgresql://bob:s3cret@db1/app')).toBe('could not reach postgresql://bob:***@db1/app');
  });

  test('a socket host from ?host= is kept', () => {
    expect(resolveSettings('postgres://u@/db?host=/var/run/postgresql', {})).toMatchObject({ host: '/var/run/postgresql', database: 'db' });
  });
});

describe('parsed as libpq parses a URL (pg-connection-string)', () => {
  test('a bad %-encoding is a usage error (exit 2): one line, the password left out', () => {
    for (const url of ['postgres://bob:s3cr%zzet@db1/app', 'postgres://bob:s3cret@db1/app%2', 'postgres://bob:s3cret@db1/a%00pp']) {
      let err: unknown;
      try {
        resolveSettings(url, {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(/^invalid database URL from --database-url: bad %-encoding in postgres:\/\/bob:\*\*\*@db1\//);
      expect((err as Error).message).not.toMatch(/s3cr|\n/);
    }
    expect(() => resolveSettings(undefined, { DATABASE_URL: 'postgres://u@h/d%zz' })).toThrow(/^invalid database URL from DATABASE_URL: bad %-encoding/);
  });

  test('%-encoded parts are decoded: user, password, socket folder as host, database', () => {
    expect(resolveSettings('postgres://b%C3%B6b:p%40ss%3Aw%2Fd@db1/my%20app', {})).toMatchObject({ user: 'böb', password: 'p@ss:w/d', database: 'my app', host: 'db1' });
    expect(resolveSettings('postgresql://%2Fvar%2Frun%2Fpostgresql/app', {})).toMatchObject({ host: '/var/run/postgresql', database: 'app' });
    expect(resolveSettings('postgres://u@[::1]:5433/app', {})).toMatchObject({ host: '::1', port: 5433, display: 'postgres://u@[::1]:5433/app' });
  });

  test('parameters as libpq takes them: ?password=, ?port=, ?dbname=; ?password= is redacted in messages', () => {
    expect(resolveSettings('postgres://u@h/?dbname=app&port=6000&password=pw', {})).toMatchObject({ database: 'app', port: 6000, password: 'pw' });
    expect(() => resolveSettings('postgres://u@h/app?password=s3cret&port=x', {})).toThrow(/port "x" is not a port number/);
    expect(redactUrl('postgres://u@h/app?sslmode=require&password=s3cret&x=1')).toBe('postgres://u@h/app?sslmode=require&password=***&x=1');
  });

  test('the URL wins over PG* variables, which fill what it leaves out', () => {
    const env = { PGPORT: '6001', PGUSER: 'envuser', PGPASSWORD: 'envpw', PGSSLMODE: 'require', PGDATABASE: 'envdb' };
    expect(resolveSettings('postgres://h', env)).toMatchObject({ host: 'h', port: 6001, user: 'envuser', password: 'envpw', database: 'envdb', sslmode: 'require' });
    expect(resolveSettings('postgres://u:pw@h:7000/db?sslmode=disable', env)).toMatchObject({ port: 7000, user: 'u', password: 'pw', database: 'db', sslmode: 'disable' });
  });
});

describe('the password from the pgpass file', () => {
  const file = (text: string, mode = 0o600) => {
    const f = path.join(tempDir('migrate-pgpass-'), 'pass');
    writeFileSync(f, text);
    chmodSync(f, mode);
    return f;
  };
  const warnings: string[] = [];
  const resolve = (url: string | undefined, env: NodeJS.ProcessEnv) => resolveSettings(url, { HOME: tempDir('migrate-home-'), ...env }, (m) => warnings.push(m));
  beforeEach(() => warnings.splice(0));

  test('the first line matching host, port, database and user wins; * matches anything; \\: and \\\\ are unescaped', () => {
    const f = file([
      '# a comment:line:that:is:long',
      'db1:5432:other:bob:not-this',
      'db2:*:*:bob:not-this-either',
      'db1:5432:app:bob:pa\\:ss\\\\word',
      '*:*:*:*:fallback',
    ].join('\n'));
    expect(resolve('postgres://bob@db1/app', { PGPASSFILE: f })).toMatchObject({ password: 'pa:ss\\word', passfile: f });
    expect(resolve('postgres://bob@db1:5433/app', { PGPASSFILE: f }).password).toBe('fallback');
    expect(resolve('postgres://eve@db3/x', { PGPASSFILE: f }).password).toBe('fallback');
    expect(warnings).toEqual([]);
  });

  test('a socket in the default folder is looked up as localhost, as libpq does', () => {
    const f = file('localhost:5432:app:bob:sockpw\n');
    expect(resolve('postgres://bob@/app?host=/var/run/postgresql', { PGPASSFILE: f }).password).toBe('sockpw');
    expect(resolve('postgres://bob@/app?host=/elsewhere', { PGPASSFILE: f }).password).toBeUndefined();
  });

  test('PGPASSFILE, else $HOME/.pgpass; a missing file is no error', () => {
    const home = tempDir('migrate-home-');
    writeFileSync(path.join(home, '.pgpass'), 'h:*:*:u:from-home\n', { mode: 0o600 });
    expect(resolve('postgres://u@h/db', { HOME: home }).password).toBe('from-home');
    expect(resolve('postgres://u@h/db', { HOME: home, PGPASSFILE: file('h:*:*:u:from-file\n') }).password).toBe('from-file');
    expect(resolve('postgres://u@h/db', { HOME: home, PGPASSFILE: path.join(home, 'absent') }).password).toBeUndefined();
    expect(resolve(undefined, { HOME: home, PGHOST: 'h', PGUSER: 'u', PGDATABASE: 'db' })).toMatchObject({ source: 'PG*', password: 'from-home' });
  });

  test('the URL or PGPASSWORD wins; the file is not even read then', () => {
    const f = file('*:*:*:*:from-file\n', 0o644);
    expect(resolve('postgres://u:from-url@h/db', { PGPASSFILE: f }).password).toBe('from-url');
    const env = resolve('postgres://u@h/db', { PGPASSFILE: f, PGPASSWORD: 'from-env' });
    expect(env.password).toBe('from-env');
    expect(env.passfile).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  test('a file group or others may read is ignored with libpq\'s warning; so is a folder', () => {
    const f = file('*:*:*:*:from-file\n', 0o640);
    expect(resolve('postgres://u@h/db', { PGPASSFILE: f }).password).toBeUndefined();
    expect(warnings).toEqual([`password file "${f}" has group or world access; permissions should be u=rw (0600) or less`]);
    const dir = tempDir('migrate-pgpass-dir-');
    expect(resolve('postgres://u@h/db', { PGPASSFILE: dir }).password).toBeUndefined();
    expect(warnings[1]).toBe(`password file "${dir}" is not a plain file`);
  });
});
