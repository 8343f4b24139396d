import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { guardedLookup, isPublicAddress, PRIVATE_ADDRESS, refusedHost } from './addresses.ts';

describe('which addresses a page read may connect to', () => {
  it('refuses private, loopback, link-local and the IPv6 forms that hide them', () => {
    const refused = [
      '127.0.0.1', '127.8.9.10', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1',
      '224.0.0.1', '255.255.255.255', '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'febf::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
      '64:ff9b::a00:1', 'not an address',
    ];
    expect(refused.filter(isPublicAddress)).toEqual([]);
  });

  it('lets public addresses through', () => {
    const allowed = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:93.184.216.34'];
    expect(allowed.filter((a) => !isPublicAddress(a))).toEqual([]);
  });

  it('judges a URL by its host before any connection: literals by address, localhost by name', () => {
    const host = (url: string) => {
      const refused = refusedHost(new URL(url));
      return refused && `${refused.host} is ${refused.is}`;
    };
    expect(host('http://10.1.2.3/x')).toBe('10.1.2.3 is a private network address');
    expect(host('http://169.254.169.254/latest/meta-data/')).toBe('169.254.169.254 is a private network address');
    expect(host('http://[::1]:8080/')).toBe('::1 is a private network address');
    expect(host('http://[::ffff:7f00:1]/')).toBe('::ffff:7f00:1 is a private network address');
    // The URL parser turns the odd spellings of 127.0.0.1 into the plain one first.
    expect(host('http://0x7f000001/')).toBe('127.0.0.1 is a private network address');
    expect(host('http://2130706433/')).toBe('127.0.0.1 is a private network address');
    expect(host('http://LOCALHOST./')).toBe('localhost is this machine');
    expect(host('http://admin.localhost/')).toBe('admin.localhost is this machine');
    expect(host('https://example.org/a')).toBeUndefined();
    expect(host('http://93.184.216.34/')).toBeUndefined();
  });

  it('refuses at connect time a name that resolves to any private address', async () => {
    const answers: Record<string, LookupAddress[]> = {
      'public.test': [{ address: '93.184.216.34', family: 4 }],
      'rebind.test': [{ address: '127.0.0.1', family: 4 }],
      'mixed.test': [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }],
    };
    const lookup = guardedLookup(async (name) => answers[name] ?? []);
    const ask = (name: string, all: boolean) =>
      new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) => lookup(name, { all }, (error, address) => resolve({ error, address })));
    expect(await ask('public.test', false)).toEqual({ error: null, address: '93.184.216.34' });
    expect(await ask('public.test', true)).toEqual({ error: null, address: [{ address: '93.184.216.34', family: 4 }] });
    for (const name of ['rebind.test', 'mixed.test']) {
      const { error } = await ask(name, true);
      expect(error?.code).toBe(PRIVATE_ADDRESS);
      expect(error?.message).toMatch(new RegExp(`^${name} resolves to (127\\.0\\.0\\.1|10\\.0\\.0\\.7), a private network address$`));
    }
    const allowed = guardedLookup(async (name) => answers[name] ?? [], { allowPrivate: (name) => name === 'rebind.test' });
    await new Promise<void>((resolve) =>
      allowed('rebind.test', { all: false }, (error, address) => {
        expect(error).toBeNull();
        expect(address).toBe('127.0.0.1');
        resolve();
      }),
    );
  });
});
