/**
 * @typedef {object} AuditEvent an audit event as `GET /admin/v1/audit-events` lists it
 * @property {string} id
 * @property {string} time
 * @property {string} requestId
 * @property {string | null} grantType
 * @property {'issued' | 'denied'} outcome
 * @property {string | null} error
 * @property {string | null} reason
 * @property {string | null} platform
 * @property {string | null} subject
 * @property {string | null} policy
 */
/** @typedef {{ items: AuditEvent[], nextCursor: string | null }} AuditPage */

/**
 * Newest first, as the API orders them: by time, then by id.
 *
 * @param {AuditEvent} a
 * @param {AuditEvent} b
 */
function newestFirst(a, b) {
  if (a.time !== b.time) return a.time < b.time ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * `fetched` merged into `shown`, each event once, newest first.
 *
 * @param {AuditEvent[]} shown
 * @param {AuditEvent[]} fetched
 * @returns {AuditEvent[]}
 */
export function mergeEvents(shown, fetched) {
  const byId = new Map([...shown, ...fetched].map((event) => [event.id, event]));
  return [...byId.values()].sort(newestFirst);
}

/**
 * What a live tail fetches to catch up with `shown`: the newest pages, until one reaches an event
 * already shown (`joined`). The listing is newest first and its cursor leads only to older events,
 * so new events are always read from the first page down. Not joined — nothing was shown, or more
 * than `maxPages` pages are new — the pages read replace those shown, and `nextCursor` continues
 * them.
 *
 * @param {(cursor: string | undefined) => Promise<AuditPage>} page
 * @param {AuditEvent[]} shown
 * @param {number} maxPages
 * @returns {Promise<{ fetched: AuditEvent[], joined: boolean, nextCursor: string | null }>}
 */
export async function catchUp(page, shown, maxPages) {
  const known = new Set(shown.map((event) => event.id));
  /** @type {AuditEvent[]} */
  const fetched = [];
  /** @type {string | null} */
  let cursor = null;
  for (let read = 0; read < maxPages; read++) {
    const answer = await page(cursor ?? undefined);
    fetched.push(...answer.items);
    if (known.size === 0) return { fetched, joined: false, nextCursor: answer.nextCursor };
    if (answer.items.some((event) => known.has(event.id))) {
      return { fetched, joined: true, nextCursor: answer.nextCursor };
    }
    cursor = answer.nextCursor;
    if (cursor === null) break;
  }
  return { fetched, joined: false, nextCursor: cursor };
}
