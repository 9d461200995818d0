import fc from 'fast-check';
import { describe, it } from 'vitest';
import { LayeredMap } from './layered-map';

const KEYS = Array.from({ length: 121 }, (_, n) => `k${n}`);
const key = fc.constantFrom(...KEYS);
/** A batch of changes: a number sets its key, undefined deletes it. */
const batch = fc.array(fc.tuple(key, fc.option(fc.nat(), { nil: undefined })), {
  minLength: 1,
  maxLength: 40,
  size: 'max',
});

describe('LayeredMap', () => {
  it('reads and counts as a plain map after any changes, folded or not, and leaves earlier maps as they were', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.nat()), { maxLength: 200 }),
        fc.array(batch, { maxLength: 30, size: 'max' }),
        (initial, batches) => {
          const plain = new Map(initial);
          let layered = LayeredMap.of(new Map(plain));
          const earlier: [LayeredMap<number>, Map<string, number>][] = [];
          for (const changes of batches) {
            earlier.push([layered, new Map(plain)]);
            layered = layered.with(new Map(changes));
            for (const [k, v] of new Map(changes)) {
              if (v === undefined) plain.delete(k);
              else plain.set(k, v);
            }
          }
          const same = (map: LayeredMap<number>, expected: ReadonlyMap<string, number>) =>
            map.size === expected.size && KEYS.every((k) => map.get(k) === expected.get(k));
          return same(layered, plain) && earlier.every(([map, expected]) => same(map, expected));
        },
      ),
      { numRuns: 100 },
    );
  });
});
