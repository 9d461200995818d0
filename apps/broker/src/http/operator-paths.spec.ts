import { describe, expect, it } from 'vitest';
import { isAdminApiPath, isOperatorPath } from './operator-paths';

describe('operator paths', () => {
  it.each([
    '/admin',
    '/admin/v1/platforms?x=1',
    '/%61dmin/v1/platforms',
    '/metrics',
    '/openapi.json',
    '/docs/x',
    '/console',
  ])('%s is an operator path', (url) => {
    expect(isOperatorPath(url)).toBe(true);
  });

  it.each(['/token', '/jwks', '/administrator', '/healthz', '/metricsx', '/%E0admin'])('%s is not', (url) => {
    expect(isOperatorPath(url)).toBe(false);
  });

  it('tells the admin API apart from the other operator endpoints', () => {
    expect(isAdminApiPath('/admin/v1/changes')).toBe(true);
    expect(isAdminApiPath('/metrics')).toBe(false);
  });

  it.each(['/admin/v1/platforms/%ZZ', '/%61dmin/v1/platforms/%E0%A4%A', '/admin%2Fv1'])(
    '%s is for the admin API, though a segment of it does not decode',
    (url) => {
      expect(isAdminApiPath(url)).toBe(true);
      expect(isOperatorPath(url)).toBe(true);
    },
  );
});
