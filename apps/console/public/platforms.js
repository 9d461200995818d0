import { call } from './api.js';
import { h, heading } from './dom.js';

/** @typedef {import('./main.js').ViewContext} ViewContext */
/**
 * @typedef {object} Platform
 * @property {string} name
 * @property {string} kind
 * @property {string} issuer
 * @property {string} [jwksUri]
 * @property {unknown} [jwks]
 * @property {string[]} audiences
 * @property {boolean} enabled
 * @property {number} version
 */
/** @typedef {{ ok: boolean, keyCount: number, error?: string }} KeyStatus */

/**
 * @param {KeyStatus} status
 * @returns {string}
 */
export function describeKeys(status) {
  if (status.ok) return `Keys OK: ${status.keyCount} key${status.keyCount === 1 ? '' : 's'}`;
  return `Keys unavailable: ${status.error ?? 'no usable key'}`;
}

/**
 * A cell that shows the platform's key status once `GET …/keys` has fetched them.
 *
 * @param {string} name
 * @param {AbortSignal} signal
 */
function keyStatusCell(name, signal) {
  const cell = h('td', { class: 'keys' }, 'Checking…');
  call('GET', `/admin/v1/platforms/${encodeURIComponent(name)}/keys`, { signal })
    .then(({ body }) => {
      const status = /** @type {KeyStatus} */ (body);
      cell.textContent = describeKeys(status);
      cell.className = `keys ${status.ok ? 'good' : 'bad'}`;
    })
    .catch((/** @type {unknown} */ error) => {
      if (!signal.aborted) cell.textContent = `Not checked: ${error instanceof Error ? error.message : ''}`;
    });
  return cell;
}

/**
 * `#/platforms`: every platform, and whether its keys can be fetched.
 *
 * @param {ViewContext} context
 */
export async function platformsView({ principal, signal }) {
  const { body } = await call('GET', '/admin/v1/platforms', { signal });
  const platforms = /** @type {{ items: Platform[] }} */ (body).items;
  const rows = platforms.map((p) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `#/platforms/${p.name}` }, p.name)),
      h('td', {}, p.kind),
      h('td', { class: 'wrap' }, p.issuer),
      h('td', {}, p.enabled ? 'Enabled' : 'Disabled'),
      keyStatusCell(p.name, signal),
    ),
  );
  return h(
    'section',
    {},
    heading('Platforms'),
    principal.role === 'admin'
      ? h('p', {}, h('a', { href: '#/platforms/new', class: 'button' }, 'Add a platform'))
      : null,
    platforms.length === 0
      ? h('p', {}, 'No platform is registered yet.')
      : h(
          'table',
          {},
          h('caption', {}, 'Registered platforms and the state of their keys'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Name', 'Kind', 'Issuer', 'State', 'Keys'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
  );
}
