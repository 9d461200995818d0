import { call } from './api.js';
import { field, h, heading, shown } from './dom.js';
import { catchUp, mergeEvents } from './audit-tail.js';
import { clearRefusal, refusalBox, showRefusal } from './problems.js';

/** @typedef {import('./main.js').ViewContext} ViewContext */
/** @typedef {import('./audit-tail.js').AuditEvent} AuditEvent */
/** @typedef {import('./audit-tail.js').AuditPage} AuditPage */

const PAGE_SIZE = 50;
const TAIL_EVERY_MS = 2000;
/** Pages a tail reads at most per poll to join what is shown; past that it starts over from the newest. */
const TAIL_MAX_PAGES = 5;

/** The columns of the table, then every other member shown in an event's details. */
const COLUMNS = /** @type {const} */ (['time', 'outcome', 'platform', 'subject', 'policy', 'error']);
const HEADINGS = ['Time (UTC)', 'Outcome', 'Platform', 'Subject', 'Policy', 'Error'];

/**
 * `#/audit`: every `/token` decision, newest first, filtered; older pages on demand, and a live tail
 * that polls for new events.
 *
 * @param {ViewContext} context
 */
export async function auditView({ signal, announce }) {
  const controls = {
    outcome: h(
      'select',
      { name: 'outcome' },
      h('option', { value: '' }, 'Any'),
      h('option', { value: 'issued' }, 'Issued'),
      h('option', { value: 'denied' }, 'Denied'),
    ),
    platform: h('input', { name: 'platform', spellcheck: 'false', autocomplete: 'off' }),
    subject: h('input', { name: 'subject', spellcheck: 'false', autocomplete: 'off' }),
    policy: h('input', { name: 'policy', spellcheck: 'false', autocomplete: 'off' }),
    requestId: h('input', { name: 'requestId', spellcheck: 'false', autocomplete: 'off' }),
    tokenId: h('input', { name: 'tokenId', spellcheck: 'false', autocomplete: 'off' }),
    from: h('input', { name: 'from', type: 'datetime-local', step: 1 }),
    to: h('input', { name: 'to', type: 'datetime-local', step: 1 }),
  };
  /** @type {Record<string, import('./dom.js').Field>} */
  const fields = {
    outcome: field('Outcome', controls.outcome),
    platform: field('Platform', controls.platform),
    subject: field('Subject', controls.subject, 'The credential’s sub.'),
    policy: field('Policy', controls.policy),
    requestId: field('Request ID', controls.requestId, 'X-Request-Id of the /token request.'),
    tokenId: field('Issued token ID', controls.tokenId, 'The jti of a token the broker issued.'),
    from: field('From (your time)', controls.from),
    to: field('Until (your time)', controls.to),
  };
  const refusal = refusalBox();
  const body = h('tbody', {});
  const count = h('p', { class: 'count' });
  const tailState = h('p', { class: 'tail-state' });
  const older = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load older events');
  const tail = h('button', { type: 'button', 'aria-pressed': 'false' }, 'Live tail');

  /** @type {AuditEvent[]} */
  let events = [];
  /** @type {string | null} */
  let nextCursor = null;
  /** @type {URLSearchParams} */
  let filters = new URLSearchParams();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let generation = 0;

  /** @param {string | undefined} cursor */
  const page = async (cursor) => {
    const query = new URLSearchParams(filters);
    query.set('limit', String(PAGE_SIZE));
    if (cursor) query.set('cursor', cursor);
    return /** @type {AuditPage} */ ((await call('GET', `/admin/v1/audit-events?${query}`, { signal })).body);
  };

  /** @param {Set<string>} [fresh] ids to mark as just arrived */
  const draw = (fresh = new Set()) => {
    body.replaceChildren(...events.flatMap((event) => eventRows(event, fresh.has(event.id))));
    count.textContent =
      events.length === 0
        ? 'No event matches.'
        : `Showing ${events.length} event${events.length === 1 ? '' : 's'}, newest first.`;
    older.hidden = nextCursor === null;
  };

  const load = async () => {
    const mine = ++generation;
    clearRefusal(refusal, fields);
    try {
      const first = await page(undefined);
      if (mine !== generation) return;
      events = first.items;
      nextCursor = first.nextCursor;
      draw();
    } catch (error) {
      if (!signal.aborted) showRefusal(refusal, error, fields);
    }
  };

  const poll = async () => {
    const mine = generation;
    if (!document.hidden) {
      try {
        const caught = await catchUp(page, events, TAIL_MAX_PAGES);
        if (mine !== generation || signal.aborted) return;
        const before = new Set(events.map((event) => event.id));
        events = mergeEvents(caught.joined ? events : [], caught.fetched);
        if (!caught.joined) nextCursor = caught.nextCursor;
        const added = events.filter((event) => !before.has(event.id));
        if (added.length > 0 || !caught.joined) draw(new Set(added.map((event) => event.id)));
        if (added.length > 0) announce(`${added.length} new audit event${added.length === 1 ? '' : 's'}.`);
        tailState.textContent = `Live tail on: checked at ${new Date().toISOString().slice(11, 19)} UTC.`;
      } catch (error) {
        if (signal.aborted) return;
        tailState.textContent = `Live tail on: the last check failed (${error instanceof Error ? error.message : String(error)}); retrying.`;
      }
    }
    if (tail.getAttribute('aria-pressed') === 'true' && !signal.aborted)
      timer = setTimeout(() => void poll(), TAIL_EVERY_MS);
  };

  tail.addEventListener('click', () => {
    const on = tail.getAttribute('aria-pressed') !== 'true';
    tail.setAttribute('aria-pressed', String(on));
    clearTimeout(timer);
    tailState.textContent = on ? 'Live tail on.' : 'Live tail off.';
    if (on) void poll();
  });
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });

  older.addEventListener('click', () => {
    if (nextCursor === null) return;
    const mine = generation;
    older.disabled = true;
    page(nextCursor)
      .then((answer) => {
        if (mine !== generation) return;
        events = mergeEvents(events, answer.items);
        nextCursor = answer.nextCursor;
        draw();
      })
      .catch((/** @type {unknown} */ error) => showRefusal(refusal, error, fields))
      .finally(() => {
        older.disabled = false;
      });
  });

  const form = h(
    'form',
    { method: 'post', class: 'filters' },
    ...Object.values(fields).map((f) => f.element),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Apply filters'),
      h('button', { type: 'reset', class: 'secondary' }, 'Clear filters'),
    ),
  );
  /** @type {Record<string, { setError(message: string | undefined): void }>} */
  const timeFields = { from: fields.from, to: fields.to };
  const apply = () => {
    filters = new URLSearchParams();
    for (const name of /** @type {const} */ ([
      'outcome',
      'platform',
      'subject',
      'policy',
      'requestId',
      'tokenId',
    ])) {
      const value = controls[name].value.trim();
      if (value !== '') filters.set(name, value);
    }
    for (const name of /** @type {const} */ (['from', 'to'])) {
      const value = controls[name].value;
      if (value === '') continue;
      const time = new Date(value);
      if (Number.isNaN(time.getTime())) {
        timeFields[name]?.setError('Not a valid time.');
        return;
      }
      filters.set(name, time.toISOString());
    }
    void load();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply();
  });
  form.addEventListener('reset', () => setTimeout(apply));

  await load();
  return h(
    'section',
    {},
    heading('Audit trail'),
    h('p', {}, 'Every /token request, issued or denied, newest first.'),
    form,
    refusal,
    h('div', { class: 'actions' }, tail, tailState),
    count,
    h(
      'table',
      { class: 'audit' },
      h('caption', {}, 'Audit events'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...HEADINGS.map((t) => h('th', { scope: 'col' }, t)),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Details')),
        ),
      ),
      body,
    ),
    older,
  );
}

/**
 * An event's row, and its details row (hidden until its button opens it).
 *
 * @param {AuditEvent} event
 * @param {boolean} fresh
 */
function eventRows(event, fresh) {
  const detailsId = `event-${event.id}`;
  const details = h(
    'tr',
    { id: detailsId, class: 'details', hidden: true },
    h(
      'td',
      { colspan: COLUMNS.length + 1 },
      h(
        'dl',
        {},
        ...Object.entries(event).flatMap(([name, value]) => [
          h('dt', {}, name),
          h('dd', { class: 'code wrap' }, shown(value)),
        ]),
      ),
    ),
  );
  const toggle = h(
    'button',
    { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': detailsId },
    'Details',
  );
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    details.hidden = !open;
  });
  const cells = COLUMNS.map((name) => {
    const value = name === 'time' ? event.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : shown(event[name]);
    return name === 'time'
      ? h('th', { scope: 'row' }, h('time', { datetime: event.time }, value))
      : h('td', { class: name === 'outcome' ? event.outcome : 'wrap' }, value);
  });
  return [h('tr', { class: fresh ? 'event fresh' : 'event' }, ...cells, h('td', {}, toggle)), details];
}
