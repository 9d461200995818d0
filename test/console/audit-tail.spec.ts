import { beforeAll, describe, expect, it } from 'vitest';

interface Event {
  id: string;
  time: string;
}
interface Page {
  items: Event[];
  nextCursor: string | null;
}
interface AuditTail {
  mergeEvents(shown: Event[], fetched: Event[]): Event[];
  catchUp(
    page: (cursor: string | undefined) => Promise<Page>,
    shown: Event[],
    maxPages: number,
  ): Promise<{ fetched: Event[]; joined: boolean; nextCursor: string | null }>;
}

// The console's browser module, as the page loads it; its types live in its JSDoc.
const modulePath = '../../apps/console/public/audit-tail.js';
let mergeEvents: AuditTail['mergeEvents'];
let catchUp: AuditTail['catchUp'];

beforeAll(async () => {
  ({ mergeEvents, catchUp } = (await import(modulePath)) as AuditTail);
});

/** Event `n` of a stream: a higher `n` is newer. */
const event = (n: number, second = n): Event => ({
  id: `0190-${String(n).padStart(4, '0')}`,
  time: `2025-01-01T00:00:${String(second).padStart(2, '0')}.000Z`,
});
const events = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => event(to - i));

/** The audit listing over `stream` (newest first), `size` a page, the cursor an offset. */
function listing(stream: Event[], size: number) {
  const reads: (string | undefined)[] = [];
  const page = (cursor: string | undefined): Promise<Page> => {
    reads.push(cursor);
    const offset = cursor === undefined ? 0 : Number(cursor);
    const items = stream.slice(offset, offset + size);
    return Promise.resolve({
      items,
      nextCursor: offset + size < stream.length ? String(offset + size) : null,
    });
  };
  return { page, reads };
}

describe('the live audit tail', () => {
  it('merges each event once, newest first by time then id, wherever a late one falls', () => {
    const shown = [event(5), event(3), event(2)];
    const merged = mergeEvents(shown, [event(6), event(5), event(4, 4), event(7, 5)]);
    expect(merged.map((e) => e.id)).toEqual(
      [event(6), event(7, 5), event(5), event(4), event(3), event(2)].map((e) => e.id),
    );
  });

  it.each([
    // case, shown (oldest, newest; none: 0), stream's newest, pages read, joined, cursor, then shown
    [
      'nothing shown: the first page, continued by its cursor',
      [0, 0],
      25,
      [undefined],
      false,
      '10',
      [16, 25],
    ],
    ['new events within the first page: joined there', [11, 20], 25, [undefined], true, '10', [11, 25]],
    [
      'new events over three pages: read down to the first shown',
      [1, 5],
      30,
      [undefined, '10', '20'],
      true,
      null,
      [1, 30],
    ],
    [
      'more new pages than allowed: the newest replace what is shown',
      [1, 5],
      60,
      [undefined, '10', '20'],
      false,
      '30',
      [31, 60],
    ],
    ['nothing new', [21, 30], 30, [undefined], true, '10', [21, 30]],
  ] as const)('%s', async (_case, [oldest, newestShown], newest, reads, joined, nextCursor, [from, to]) => {
    const shown = newestShown === 0 ? [] : events(oldest, newestShown);
    const api = listing(events(1, newest), 10);
    const caught = await catchUp(api.page, shown, 3);
    expect(api.reads).toEqual(reads);
    expect(caught.joined).toBe(joined);
    expect(caught.nextCursor).toBe(nextCursor);
    const now = mergeEvents(caught.joined ? shown : [], caught.fetched);
    expect(now.map((e) => e.id)).toEqual(events(from, to).map((e) => e.id));
  });

  it('stops at the last page when the listing ends before a shown event', async () => {
    const api = listing(events(1, 12), 10);
    const caught = await catchUp(api.page, [event(40)], 5);
    expect(api.reads).toEqual([undefined, '10']);
    expect(caught).toMatchObject({ joined: false, nextCursor: null });
    expect(caught.fetched).toHaveLength(12);
  });
});
