import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { databaseSsl, dataSourceOptions } from '../../libs/persistence/src/data-source';
import { readTestRun } from '../support/test-run';

/**
 * DATABASE_SSL_MODE / DATABASE_CA_FILE against the real PostgreSQL of the test run: a verified
 * connection is encrypted, and a wrong CA or host name is refused, as libpq would.
 */
describe('TLS to PostgreSQL', () => {
  const run = readTestRun();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'db-tls-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const connect = async (
    url: string,
    ssl: Parameters<typeof databaseSsl>[0],
  ): Promise<{ encrypted: boolean }> => {
    const ds = new DataSource({
      ...(dataSourceOptions(url) as PostgresConnectionOptions),
      ssl: databaseSsl(ssl) as PostgresConnectionOptions['ssl'],
      logging: false,
      extra: { max: 1, connectionTimeoutMillis: 5000 },
    });
    await ds.initialize();
    try {
      const [row] = (await ds.query(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      )) as { ssl: boolean }[];
      return { encrypted: row.ssl };
    } finally {
      await ds.destroy();
    }
  };
  const withHost = (host: string) => {
    const url = new URL(run.databaseUrl);
    url.hostname = host;
    return url.toString();
  };

  let serverTls = false;
  let serverCert: string | undefined;
  beforeAll(async () => {
    const probe = new DataSource({ ...dataSourceOptions(run.databaseUrl), logging: false });
    await probe.initialize();
    const [{ ssl }] = (await probe.query('SHOW ssl')) as { ssl: string }[];
    serverTls = ssl === 'on';
    if (serverTls) {
      const [{ ssl_cert_file: file }] = (await probe.query('SHOW ssl_cert_file')) as {
        ssl_cert_file: string;
      }[];
      // The server's own certificate (self-signed, e.g. Debian's snakeoil) is its CA.
      if (fs.existsSync(file)) serverCert = file;
    }
    await probe.destroy();
  });

  it('verify-full with the right CA encrypts; a wrong CA or host name is refused', async () => {
    if (!serverTls) {
      // An embedded PostgreSQL has no TLS: asking for it must fail loudly, not fall back.
      await expect(connect(run.databaseUrl, { DATABASE_SSL_MODE: 'require' })).rejects.toThrow(
        /does not support SSL/,
      );
      return;
    }
    if (!serverCert) {
      // TLS on, but its certificate is not readable here: encryption without verification.
      await expect(connect(run.databaseUrl, { DATABASE_SSL_MODE: 'require' })).resolves.toEqual({
        encrypted: true,
      });
      return;
    }
    const subject = execFileSync('openssl', [
      'x509',
      '-in',
      serverCert,
      '-noout',
      '-ext',
      'subjectAltName',
    ]).toString();
    const name = /DNS:([^,\s]+)/.exec(subject)?.[1] ?? 'localhost';
    await expect(
      connect(withHost(name), { DATABASE_SSL_MODE: 'verify-full', DATABASE_CA_FILE: serverCert }),
    ).resolves.toEqual({ encrypted: true });
    await expect(
      connect(withHost('127.0.0.1'), {
        DATABASE_SSL_MODE: 'verify-full',
        DATABASE_CA_FILE: serverCert,
      }),
    ).rejects.toThrow(/Hostname\/IP does not match|altnames/);
    await expect(
      connect(withHost('127.0.0.1'), {
        DATABASE_SSL_MODE: 'verify-ca',
        DATABASE_CA_FILE: serverCert,
      }),
    ).resolves.toEqual({ encrypted: true });

    const otherCa = path.join(dir, 'other-ca.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=other-ca',
        '-keyout',
        path.join(dir, 'other-ca.key'),
        '-out',
        otherCa,
      ],
      { stdio: 'ignore' },
    );
    await expect(
      connect(withHost(name), { DATABASE_SSL_MODE: 'verify-full', DATABASE_CA_FILE: otherCa }),
    ).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    await expect(connect(run.databaseUrl, { DATABASE_SSL_MODE: 'disable' })).resolves.toEqual({
      encrypted: false,
    });
  });
});
