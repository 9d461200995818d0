import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { authorizationSchemeOf, challengeFor } from './authorization-scheme';

function requestWith(authorization?: string): FastifyRequest {
  return { headers: authorization === undefined ? {} : { authorization } } as unknown as FastifyRequest;
}

describe('authorizationSchemeOf', () => {
  it.each([
    ['Basic YWJjOmRlZg==', 'Basic'],
    ['basic YWJjOmRlZg==', 'basic'],
    ['Bearer a.b.c', 'Bearer'],
    ['DPoP a.b.c', 'DPoP'],
    ['  Basic\tYWJjOmRlZg==', 'Basic'],
    ['Basic', 'Basic'],
  ])('reads the scheme of %j as %j', (header, scheme) => {
    expect(authorizationSchemeOf(requestWith(header))).toBe(scheme);
  });

  it.each([
    ['empty', ''],
    ['a quoted string', '"Basic" abc'],
    ['a scheme longer than any registered', `${'X'.repeat(33)} abc`],
    ['a credential without a scheme', '=abc'],
  ])('names no scheme for a header that is %s', (_name, header) => {
    expect(authorizationSchemeOf(requestWith(header))).toBe('');
  });

  it('is undefined without the header', () => {
    expect(authorizationSchemeOf(requestWith())).toBeUndefined();
  });
});

describe('challengeFor', () => {
  it.each([
    ['Basic YWJjOmRlZg==', 'Basic realm="fedbroker"'],
    ['Bearer a.b.c', 'Bearer realm="fedbroker"'],
    ['"Basic" abc', 'Basic realm="fedbroker"'],
  ])('answers an Authorization header %j with the scheme it used (RFC 6749 §5.2)', (header, challenge) => {
    expect(challengeFor(requestWith(header))).toBe(challenge);
  });

  it('answers Bearer when the client sent no Authorization header', () => {
    expect(challengeFor(requestWith())).toBe('Bearer');
  });
});
