import { describe, expect, it } from 'vitest';
import { parseSpiffeId, trustDomainProblem } from './spiffe-id';

describe('parseSpiffeId', () => {
  it.each([
    ['spiffe://example.org/ns/payments/sa/deployer', 'example.org', '/ns/payments/sa/deployer'],
    ['spiffe://example.org', 'example.org', ''],
    ['spiffe://prod_1.example-corp.org/Web.Front-end_2', 'prod_1.example-corp.org', '/Web.Front-end_2'],
    ['spiffe://td/a/.../b', 'td', '/a/.../b'],
    ['spiffe://192.168.0.1/workload', '192.168.0.1', '/workload'],
    [`spiffe://${'a'.repeat(255)}/x`, 'a'.repeat(255), '/x'],
    [`spiffe://example.org/${'p'.repeat(2048 - 'spiffe://example.org/'.length)}`, 'example.org', undefined],
  ])('accepts %s', (value, trustDomain, path) => {
    const parsed = parseSpiffeId(value);
    expect(parsed).toMatchObject({ valid: true, trustDomain });
    if (path !== undefined) expect(parsed).toMatchObject({ path });
  });

  it.each([
    ['', 'scheme'],
    ['example.org/workload', 'scheme'],
    ['https://example.org/workload', 'scheme'],
    ['SPIFFE://example.org/workload', 'scheme'],
    ['spiffe:/example.org/workload', 'scheme'],
    ['spiffe://', 'trust domain is missing'],
    ['spiffe:///workload', 'trust domain is missing'],
    ['spiffe://Example.org/workload', 'trust domain characters'],
    ['spiffe://example.org:8443/workload', 'trust domain characters'],
    ['spiffe://user@example.org/workload', 'trust domain characters'],
    ['spiffe://user:pass@example.org/workload', 'trust domain characters'],
    ['spiffe://exa%6Dple.org/workload', 'trust domain characters'],
    ['spiffe://example.org?query', 'trust domain characters'],
    ['spiffe://example.org#fragment', 'trust domain characters'],
    [`spiffe://${'a'.repeat(256)}/x`, 'longer than 255 bytes'],
    ['spiffe://example.org/', 'trailing slash'],
    ['spiffe://example.org/workload/', 'trailing slash'],
    ['spiffe://example.org//workload', 'empty segments'],
    ['spiffe://example.org/a//b', 'empty segments'],
    ['spiffe://example.org/./workload', 'dot segments'],
    ['spiffe://example.org/a/../b', 'dot segments'],
    ['spiffe://example.org/a/..', 'dot segments'],
    ['spiffe://example.org/work%20load', 'path segment characters'],
    ['spiffe://example.org/workload?query=1', 'path segment characters'],
    ['spiffe://example.org/workload#fragment', 'path segment characters'],
    ['spiffe://example.org/wörk', 'path segment characters'],
    ['spiffe://example.org/a b', 'path segment characters'],
    ['spiffe://example.org/a:b', 'path segment characters'],
    [`spiffe://example.org/${'p'.repeat(2049 - 'spiffe://example.org/'.length)}`, 'longer than 2048 bytes'],
    [`spiffe://example.org/${'é'.repeat(1020)}`, 'longer than 2048 bytes'],
  ])('refuses %j: %s', (value, problem) => {
    const parsed = parseSpiffeId(value);
    expect(parsed.valid).toBe(false);
    expect(parsed.valid ? '' : parsed.problem).toContain(problem);
  });
});

describe('trustDomainProblem', () => {
  it.each([
    ['example.org', undefined],
    ['td', undefined],
    ['a-b_c.d9', undefined],
    ['', 'missing'],
    ['spiffe://example.org', 'characters'],
    ['Example.org', 'characters'],
    ['example.org/', 'characters'],
    ['exa mple.org', 'characters'],
    ['a'.repeat(256), '255 bytes'],
  ])('%j: %s', (name, problem) => {
    const found = trustDomainProblem(name);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});
