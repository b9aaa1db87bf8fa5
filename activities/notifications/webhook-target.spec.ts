import { isPublicAddress, publicOnlyLookup, webhookUrlProblem } from './webhook-target';

describe('webhook targets', () => {
  it.each([
    ['127.0.0.1', false],
    ['127.8.9.10', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['::1', false],
    ['::', false],
    ['fd00::1', false],
    ['fe80::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['not-an-ip', false],
    ['8.8.8.8', true],
    ['172.32.0.1', true],
    ['2001:4860:4860::8888', true],
    ['::ffff:8.8.8.8', true],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('refuses URLs that point inside the deployment, naming the address', async () => {
    const refused = async (url: string) => webhookUrlProblem(url, false);
    expect(await refused('http://127.0.0.1:8080/hooks')).toMatch(/^127\.0\.0\.1 is a loopback/);
    expect(await refused('http://169.254.169.254/latest/meta-data')).toMatch(/link-local/);
    expect(await refused('http://[::1]:9000/')).toMatch(/^::1 is a loopback/);
    // A name is checked by what it resolves to.
    expect(await refused('http://localhost:8080/')).toMatch(/^localhost is (127\.0\.0\.1|::1), /);
    expect(await refused('ftp://hooks.example.gov/')).toBe('must be an http(s):// URL');
    expect(await refused('https://user:pw@8.8.8.8/')).toBe(
      'must not carry a user name or password',
    );
    expect(await refused('http://no-such-host.invalid/')).toMatch(/does not resolve/);
    expect(await refused('https://8.8.8.8/hooks')).toBeUndefined();
  });

  it('allows private networks when configured to', async () => {
    expect(await webhookUrlProblem('http://127.0.0.1:8080/hooks', true)).toBeUndefined();
    expect(await webhookUrlProblem('ftp://127.0.0.1/', true)).toBe('must be an http(s):// URL');
  });

  it('fails a connection whose name resolves to a private address', async () => {
    const looked = await new Promise<{ err: Error | null; address: unknown }>((resolve) =>
      publicOnlyLookup('localhost', {}, (err, address) => resolve({ err, address })),
    );
    expect(looked.err?.message).toMatch(/^localhost is .*, a loopback/);
  });
});
