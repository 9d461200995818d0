import { describe, expect, it } from 'vitest';
import { duplicateJsonMember } from './duplicate-json-member';

describe('duplicateJsonMember', () => {
  it.each([
    ['a flat object', '{"alg":"ES256","kid":"k"}', undefined],
    ['the same name in sibling objects', '{"a":{"x":1},"b":{"x":2}}', undefined],
    ['a name repeated as a string value', '{"a":"a","b":["a","a"]}', undefined],
    ['names in arrays of objects', '{"a":[{"x":1},{"x":2}]}', undefined],
    ['escaped quotes and colons inside strings', '{"a":"\\":\\"a\\"","b":1}', undefined],
    ['a repeated top-level member', '{"alg":"ES256","alg":"none"}', 'alg'],
    ['a repeat spelled with an escape', '{"sub":"a","\\u0073ub":"b"}', 'sub'],
    ['a repeat inside a nested object', '{"k":{"ns":"a","ns":"b"}}', 'ns'],
    ['a repeat inside an object in an array', '{"a":[1,{"x":1,"x":2}]}', 'x'],
    ['a repeat after a nested object closes', '{"a":{"b":1},"a":2}', 'a'],
    ['whitespace around the structure', '{ "a" : 1 ,\n "a" : 2 }', 'a'],
  ])('%s → %s', (_name, text, duplicate) => {
    JSON.parse(text);
    expect(duplicateJsonMember(text)).toBe(duplicate);
  });
});
