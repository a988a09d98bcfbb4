import { redactUrl, resolveSettings } from '../../src/db/settings';
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
