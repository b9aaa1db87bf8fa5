/**
 * Where a webhook may go. An agency lead sets the URL, and the core worker posts to it from
 * inside the deployment, so a URL pointing at loopback, private, link-local or metadata addresses
 * (169.254.169.254) would let it reach what only the engine should reach (SSRF). Such targets are
 * refused when a webhook is configured and again when each request connects: the address checked
 * is the address connected to, so a name that resolves elsewhere later (DNS rebinding) gains
 * nothing. `WEBHOOK_PRIVATE_NETWORKS` allows them (by default outside production only).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** A URL's host as a resolver or `isIP` takes it (IPv6 literals without their brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Whether `address` (IPv4, IPv6, or IPv4-mapped IPv6) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  const ip = mapped ? mapped[1] : address;
  const family = isIP(ip);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

const refusal = (host: string, address: string) =>
  `${host} is ${address === host ? '' : `${address}, `}a loopback, private or link-local address; ` +
  'webhooks go to public addresses only (WEBHOOK_PRIVATE_NETWORKS allows others)';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that resolves as usual and fails the connection when an
 * address is not public: what is checked is what is connected to.
 */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const blocked = addresses.find((a) => !isPublicAddress(a.address));
    if (blocked) return callback(new Error(refusal(hostname, blocked.address)), '');
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

/**
 * Why a webhook URL is refused, or undefined: an http(s) URL whose host resolves (within a few
 * seconds) only to public addresses, unless private networks are allowed.
 */
export async function webhookUrlProblem(
  url: string,
  allowPrivateNetworks: boolean,
): Promise<string | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an http(s):// URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return 'must be an http(s):// URL';
  if (parsed.username || parsed.password) return 'must not carry a user name or password';
  if (allowPrivateNetworks) return undefined;
  const host = hostOf(parsed);
  if (isIP(host)) return isPublicAddress(host) ? undefined : refusal(host, host);
  const found = await new Promise<{ addresses: LookupAddress[] } | { failure: string }>(
    (resolve) => {
      const timer = setTimeout(() => resolve({ failure: 'timed out' }), 3000);
      dnsLookup(host, { all: true }, (err, addresses) => {
        clearTimeout(timer);
        resolve(err ? { failure: err.code ?? err.message } : { addresses });
      });
    },
  );
  if ('failure' in found) return `${host} does not resolve (${found.failure})`;
  const blocked = found.addresses.find((a) => !isPublicAddress(a.address));
  return blocked ? refusal(host, blocked.address) : undefined;
}
