import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_ID_LENGTH, requestIdOf } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function requestWith(...rawHeaders: string[]): IncomingMessage {
  return { rawHeaders } as unknown as IncomingMessage;
}

describe('requestIdOf', () => {
  it.each([
    ['a UUID', '6f9619ff-8b86-4d01-b42d-00c04fc964ff'],
    ['printable ASCII with inner spaces', 'lb=edge-1; trace=a1b2 c3'],
    ['the longest accepted', 'x'.repeat(MAX_REQUEST_ID_LENGTH)],
  ])('adopts an incoming X-Request-Id that is %s', (_name, id) => {
    expect(requestIdOf(requestWith('X-Request-Id', id))).toBe(id);
  });

  it('reads the header whatever its case', () => {
    expect(requestIdOf(requestWith('x-request-ID', 'abc'))).toBe('abc');
  });

  it.each([
    ['absent', requestWith('Host', 'broker.test')],
    ['empty', requestWith('X-Request-Id', '')],
    ['too long', requestWith('X-Request-Id', 'x'.repeat(MAX_REQUEST_ID_LENGTH + 1))],
    ['not ASCII', requestWith('X-Request-Id', 'requête')],
    ['holding a control character', requestWith('X-Request-Id', 'a\tb')],
    ['sent twice', requestWith('X-Request-Id', 'a', 'X-Request-Id', 'b')],
  ])('uses a fresh id when the header is %s', (_name, request) => {
    expect(requestIdOf(request)).toMatch(UUID);
  });
});
