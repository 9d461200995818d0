import { describe, expect, it } from 'vitest';
import { forbiddenAddressReason } from './address-policy';
import { forbiddenHostReason } from './host-addresses';
import { KeyResolver } from './key-resolver';

describe('forbiddenAddressReason', () => {
  it.each([
    ['169.254.169.254', 'link-local or metadata'],
    ['fd00:ec2::254', 'link-local or metadata'],
    ['fe80::1', 'link-local or metadata'],
    ['::ffff:169.254.169.254', 'link-local or metadata'],
    ['10.0.0.1', 'private'],
    ['172.20.1.1', 'private'],
    ['192.168.1.10', 'private'],
    ['100.64.0.1', 'private'],
    ['0.0.0.0', 'private'],
    ['fd12:3456::1', 'private'],
  ])('refuses %s as %s', (address, reason) => {
    expect(forbiddenAddressReason(address, false)).toContain(reason);
  });

  it.each(['127.0.0.1', '::1', '8.8.8.8', '2001:4860:4860::8888'])('allows %s', (address) => {
    expect(forbiddenAddressReason(address, false)).toBeUndefined();
  });

  it('allows private networks when told, but never metadata addresses', () => {
    expect(forbiddenAddressReason('10.0.0.1', true)).toBeUndefined();
    expect(forbiddenAddressReason('169.254.169.254', true)).toContain('metadata');
  });
});

describe('forbiddenHostReason', () => {
  const resolving =
    (...addresses: string[]) =>
    () =>
      Promise.resolve(addresses);

  it('refuses a name when any of its addresses is forbidden', async () => {
    await expect(
      forbiddenHostReason('https://keys.example/jwks', false, resolving('8.8.8.8', '169.254.169.254')),
    ).resolves.toContain('keys.example resolves to 169.254.169.254');
  });

  it('checks IP literals without resolving them', async () => {
    const never = () => Promise.reject(new Error('must not resolve'));
    await expect(forbiddenHostReason('https://[fe80::1]/jwks', false, never)).resolves.toContain('fe80::1');
  });

  it('leaves a name that does not resolve to the fetch', async () => {
    const fails = () => Promise.reject(new Error('ENOTFOUND'));
    await expect(forbiddenHostReason('https://nowhere.example', false, fails)).resolves.toBeUndefined();
  });

  it('keeps the key resolver from ever fetching a metadata address', async () => {
    let fetched = 0;
    const keys = new KeyResolver({
      fetch: () => {
        fetched += 1;
        return Promise.resolve(Response.json({ keys: [] }));
      },
    });
    const probe = await keys.probe({ type: 'jwks-uri', url: 'https://169.254.169.254/latest/jwks' });
    expect(probe.error).toContain('link-local or metadata');
    expect(fetched).toBe(0);
  });
});
