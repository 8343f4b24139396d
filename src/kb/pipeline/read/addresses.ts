// Which hosts a page read may connect to. Search results are written by strangers: a result URL on
// a private, loopback or link-local address would let the web make this machine read its own
// network (a router's admin page, a cloud metadata service at 169.254.169.254). Such addresses are
// refused unless the caller allows them (KB_ALLOW_PRIVATE_HOSTS=1, or tests on a loopback server).
//
// Two checks, because either alone leaves a gap:
// - `refusedHost` looks at the URL's host before anything is sent: an IP literal is judged as is
//   (the operating system connects to a literal without any name lookup), and `localhost` names
//   are refused by name.
// - `guardedLookup` is the name resolution the connection itself uses (undici hands it to
//   `net.connect`), so the address judged is the address connected to. Checking a name with one
//   DNS query and connecting after a second would let a hostile name server answer "public" to the
//   first and "127.0.0.1" to the second (DNS rebinding); here there is only one answer.
import dns from 'node:dns';
import type { LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

/** Name resolution: every address a host name has. A seam for tests, which resolve made-up names. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** An error code of our own, so a refused connection can be told from a network failure. */
export const PRIVATE_ADDRESS = 'KB_PRIVATE_ADDRESS';

/**
 * True for an address on the public internet. Everything ipaddr.js does not class as plain
 * `unicast` is refused: private (10/8, 172.16/12, 192.168/16), loopback (127/8, ::1), link-local
 * (169.254/16, fe80::/10), unique-local (fc00::/7), unspecified (0.0.0.0, which Linux connects to
 * this machine), carrier-grade NAT, multicast, reserved, and the IPv6 forms that embed an IPv4
 * address (IPv4-mapped ::ffff:a.b.c.d is judged by the IPv4 address inside it; NAT64, 6to4 and
 * Teredo are refused outright).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/**
 * Why a URL's host may not be fetched, judged before any connection: the host and what it is. Or
 * undefined when it may be fetched (names other than `localhost` are judged at connect time by
 * `guardedLookup`).
 */
export function refusedHost(url: URL): { host: string; is: 'this machine' | 'a private network address' } | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return { host, is: 'this machine' };
  if (ipaddr.isValid(host) && !isPublicAddress(host)) return { host, is: 'a private network address' };
  return undefined;
}

/**
 * The `lookup` for `net.connect`: the system's (or a test's) answer, refused when any address is
 * not public, unless `allowPrivate` says the name may be private.
 */
export function guardedLookup(resolve: Resolve, { allowPrivate = (_hostname: string): boolean => false } = {}) {
  return (hostname: string, options: dns.LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    resolve(hostname).then(
      (addresses) => {
        // Any private answer refuses the name: connecting to "the public one" of a mixed answer
        // would let the attacker choose by making the public one unreachable.
        const bad = allowPrivate(hostname) ? undefined : addresses.find((a) => !isPublicAddress(a.address));
        if (bad || addresses.length === 0) {
          const error: NodeJS.ErrnoException = new Error(bad ? `${hostname} resolves to ${bad.address}, a private network address` : `${hostname} has no address`);
          error.code = bad ? PRIVATE_ADDRESS : 'ENOTFOUND';
          callback(error, '');
          return;
        }
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        const list = wanted.length ? wanted : addresses;
        if (options.all) callback(null, list);
        else callback(null, list[0]!.address, list[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
