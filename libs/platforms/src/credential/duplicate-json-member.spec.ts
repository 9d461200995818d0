import fc from 'fast-check';
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

/** The first implementation, by regular expression: the scanner must answer as it did. */
function referenceDuplicate(text: string): string | undefined {
  const objects: (Set<string> | undefined)[] = [];
  let expectingName = false;
  for (const [token] of text.matchAll(/"(?:[^"\\]|\\.)*"|[{}[\],:]/g)) {
    const names = objects.at(-1);
    if (token === '{') {
      objects.push(new Set());
      expectingName = true;
    } else if (token === '[') {
      objects.push(undefined);
      expectingName = false;
    } else if (token === '}' || token === ']') {
      objects.pop();
      expectingName = false;
    } else if (token === ',') {
      expectingName = names !== undefined;
    } else if (token === ':') {
      expectingName = false;
    } else {
      if (expectingName && names !== undefined) {
        const name = JSON.parse(token) as string;
        if (names.has(name)) return name;
        names.add(name);
      }
      expectingName = false;
    }
  }
  return undefined;
}

/** JSON text whose objects may repeat names, spelled plainly or with `\u` escapes. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 0 }).map((v) => JSON.stringify(v)),
    fc.string().map((s) => JSON.stringify(s)),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(fc.constantFrom('a', 'b', 'ns', 'a"b', 'x\\y'), fc.boolean(), tie('value')), {
        maxLength: 5,
      })
      .map(
        (members) =>
          `{ ${members
            .map(([name, escaped, value]) => {
              const key = escaped
                ? `"${[...name].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`
                : JSON.stringify(name);
              return `${key} : ${value}`;
            })
            .join(' ,\n')} }`,
      ),
  ),
})).value;

describe('duplicateJsonMember against the regular-expression scanner', () => {
  it('finds the same duplicate, or none, in any JSON text', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        JSON.parse(text);
        expect(duplicateJsonMember(text)).toBe(referenceDuplicate(text));
      }),
      { numRuns: 2000 },
    );
  });
});
