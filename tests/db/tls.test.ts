import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbedded, type EmbeddedServer } from '../../src/db/embedded';
import { runCli } from '../harness/cli';
import { tempDir } from '../harness/tmp';

/**
 * sslrootcert / sslcert / sslkey as libpq reads them, against a real server with ssl = on
 * (an embedded PostgreSQL with certificates made here by openssl). The server's certificate
 * names only db.internal, so connecting by 127.0.0.1 tells verify-ca (chain only) from
 * verify-full (chain and host name).
 */
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const maybe = hasOpenssl ? describe : describe.skip;

function makeCerts(dir: string) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) => ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`);
  const signed = (name: string, cn: string, ext: string) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
  };
  ca('ca');
  ca('rogue');
  require('node:fs').writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:db.internal\n');
  require('node:fs').writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  signed('server', 'db.internal', 'server.ext');
  signed('client', 'certuser', 'client.ext');
  const f = (n: string) => path.join(dir, n);
  return { ca: f('ca.crt'), rogue: f('rogue.crt'), clientCert: f('client.crt'), clientKey: f('client.key'), server: { crt: readFileSync(f('server.crt'), 'utf8'), key: readFileSync(f('server.key'), 'utf8'), ca: readFileSync(f('ca.crt'), 'utf8') } };
}

maybe('TLS parameters reach the connection (embedded PostgreSQL with ssl = on)', () => {
  let server: EmbeddedServer;
  let certs: ReturnType<typeof makeCerts>;
  let password: string;
  const url = (user: string, params: string) => `postgres://${user}:${user === 'postgres' ? password : 'x'}@127.0.0.1:${server.port}/postgres?${params}`;
  const status = (u: string, env: NodeJS.ProcessEnv = {}) => runCli(['status', '--json', ...(u ? ['--database-url', u] : []), '--migrations-dir', tempDir('tls-units-')], { HOME: tempDir('tls-home-'), ...env });

  beforeAll(async () => {
    certs = makeCerts(tempDir('tls-certs-'));
    server = await startEmbedded({
      files: {
        'server.crt': certs.server.crt, 'server.key': certs.server.key, 'root.crt': certs.server.ca,
        // certuser must show a client certificate; everyone else a password, over SSL only.
        'pg_hba.conf': 'hostssl all certuser 127.0.0.1/32 cert\nhostssl all all 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 reject\n',
      },
      settings: { ssl: 'on', ssl_cert_file: 'server.crt', ssl_key_file: 'server.key', ssl_ca_file: 'root.crt' },
    });
    password = decodeURIComponent(new URL(server.url).password);
    const admin = postgres(server.url, { ssl: 'require', max: 1, onnotice: () => undefined });
    await admin.unsafe('create role certuser login');
    await admin.end();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  test('verify-ca with the right CA connects; with another CA it is refused, naming the CA file', async () => {
    expect((await status(url('postgres', `sslmode=verify-ca&sslrootcert=${certs.ca}`))).code).toBe(0);
    const rogue = await status(url('postgres', `sslmode=verify-ca&sslrootcert=${certs.rogue}`));
    expect(rogue.code).toBe(2);
    expect(rogue.json().error.message).toMatch(/certificate of 127\.0\.0\.1:\d+ is not trusted \(sslmode=verify-ca\)/);
    expect(rogue.json().error.hint).toContain(certs.rogue);
  });

  test('verify-full also checks the host name: the certificate names db.internal, not 127.0.0.1', async () => {
    const r = await status(url('postgres', `sslmode=verify-full&sslrootcert=${certs.ca}`));
    expect(r.code).toBe(2);
    expect(r.json().error.hint).toMatch(/does not name this host/);
  });

  test('require with a CA behaves as verify-ca (libpq): another CA is refused, none is accepted', async () => {
    expect((await status(url('postgres', 'sslmode=require'))).code).toBe(0);
    expect((await status(url('postgres', `sslmode=require&sslrootcert=${certs.rogue}`))).code).toBe(2);
  });

  test('a client certificate from sslcert/sslkey logs in a user the server admits by certificate only', async () => {
    const withCert = await status(url('certuser', `sslmode=verify-ca&sslrootcert=${certs.ca}&sslcert=${certs.clientCert}&sslkey=${certs.clientKey}`));
    expect(withCert.stderr).toBe('');
    expect(withCert.code).toBe(0);
    const without = await status(url('certuser', `sslmode=verify-ca&sslrootcert=${certs.ca}`));
    expect(without.code).toBe(2);
    expect(without.json().error.message).toMatch(/certificate/i);
  });

  test('PGSSLROOTCERT, PGSSLCERT and PGSSLKEY are read as libpq reads them', async () => {
    const env = { PGHOST: '127.0.0.1', PGPORT: String(server.port), PGUSER: 'certuser', PGDATABASE: 'postgres', PGSSLMODE: 'verify-ca', PGSSLROOTCERT: certs.ca, PGSSLCERT: certs.clientCert, PGSSLKEY: certs.clientKey };
    expect((await status('', env)).code).toBe(0);
    expect((await status('', { ...env, PGSSLROOTCERT: certs.rogue })).code).toBe(2);
  });

  test('a certificate file that cannot be read is one line naming it, before connecting', async () => {
    const r = await status(url('postgres', 'sslmode=verify-full&sslrootcert=/nonexistent/ca.crt'));
    expect(r.code).toBe(2);
    expect(r.json().error.message).toBe('cannot read sslrootcert /nonexistent/ca.crt: no such file');
  });
});
