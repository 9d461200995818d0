import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-command';
import { cell, printTable, warningsOf } from './output';

describe('printTable', () => {
  it('aligns columns under the header, shows an empty cell as -, and pads no last column', () => {
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line) } as unknown as CliIo;
    printTable(
      io,
      ['NAME', 'KIND', 'NOTE'],
      [
        ['a', 'kubernetes', ''],
        ['longer-name', '', 'x'],
      ],
    );
    expect(out).toEqual([
      'NAME         KIND        NOTE',
      'a            kubernetes  -',
      'longer-name  -           x',
    ]);
  });
});

describe('cell', () => {
  it.each([
    [undefined, ''],
    [null, ''],
    [['a', 'b'], 'a,b'],
    [3, '3'],
    [false, 'false'],
    [{ a: 1 }, '{"a":1}'],
  ])('shows %j as %j', (value, shown) => {
    expect(cell(value)).toBe(shown);
  });
});

describe('warningsOf', () => {
  it.each([
    [{ name: 'p' }, []],
    [{ warnings: ['ttl cut to 3600'] }, ['ttl cut to 3600']],
    [{ warnings: [{ code: 'mutable', message: 'pins a mutable name' }] }, ['pins a mutable name']],
    [
      { warnings: [{ code: 'ttl', field: 'policies.3.ttlSeconds', message: 'cut to 3600' }] },
      ['policies.3.ttlSeconds: cut to 3600'],
    ],
    [{ warnings: [{ code: 'takeover' }] }, ['{"code":"takeover"}']],
    [null, []],
  ])('reads the warnings of %j', (body, warnings) => {
    expect(warningsOf(body)).toEqual(warnings);
  });
});
