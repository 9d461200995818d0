import { call } from './api.js';
import { h, heading } from './dom.js';

/** @typedef {import('./main.js').ViewContext} ViewContext */
/**
 * @typedef {object} Policy
 * @property {string} name
 * @property {string} platform
 * @property {string} condition
 * @property {string} [subject]
 * @property {string} [actorCondition]
 * @property {string[]} audiences
 * @property {string[]} scopes
 * @property {number} ttlSeconds
 * @property {Record<string, string>} claims
 * @property {number} priority
 * @property {boolean} enabled
 * @property {string} [mode]
 * @property {string} [expiresAt]
 */

/**
 * `#/policies`: every trust policy, as `/token` ranks them within a platform.
 *
 * @param {ViewContext} context
 */
export async function policiesView({ principal, signal }) {
  const { body } = await call('GET', '/admin/v1/policies', { signal });
  const policies = /** @type {{ items: Policy[] }} */ (body).items;
  const rows = policies.map((p) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `#/policies/${p.name}` }, p.name)),
      h('td', {}, h('a', { href: `#/platforms/${p.platform}` }, p.platform)),
      h('td', { class: 'code wrap' }, p.condition),
      h('td', { class: 'wrap' }, p.audiences.join(' ')),
      h('td', { class: 'wrap' }, p.scopes.join(' ')),
      h('td', { class: 'number' }, String(p.priority)),
      h('td', {}, state(p)),
    ),
  );
  return h(
    'section',
    {},
    heading('Policies'),
    principal.role === 'admin'
      ? h('p', {}, h('a', { href: '#/policies/new', class: 'button' }, 'New policy'))
      : null,
    policies.length === 0
      ? h('p', {}, 'No trust policy yet: no workload can get a token.')
      : h(
          'table',
          {},
          h('caption', {}, 'Trust policies'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Name', 'Platform', 'Condition', 'Audiences', 'Scopes', 'Priority', 'State'].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
  );
}

/**
 * Whether the policy grants: enabled or not, in audit mode, until when.
 *
 * @param {Policy} policy
 */
function state(policy) {
  const parts = [policy.enabled ? 'Enabled' : 'Disabled'];
  if (policy.mode === 'audit') parts.push('audit mode');
  if (policy.expiresAt) parts.push(`until ${policy.expiresAt}`);
  return parts.join(', ');
}
