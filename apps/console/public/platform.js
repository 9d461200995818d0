import { call } from './api.js';
import { field, h, heading } from './dom.js';
import { describeKeys } from './platforms.js';
import { clearRefusal, refusalBox, showRefusal } from './problems.js';

/** @typedef {import('./main.js').ViewContext} ViewContext */
/** @typedef {import('./platforms.js').KeyStatus} KeyStatus */

/**
 * `#/platforms/<name>`: the platform, its keys, its policies; admins edit it as JSON or delete it.
 *
 * @param {ViewContext} context
 */
export async function platformView({ principal, params, signal, navigate, announce }) {
  const name = params[0] ?? '';
  const path = `/admin/v1/platforms/${encodeURIComponent(name)}`;
  const [answer, policies] = await Promise.all([
    call('GET', path, { signal }),
    call('GET', `/admin/v1/policies?platform=${encodeURIComponent(name)}`, { signal }),
  ]);
  let etag = answer.etag;
  const admin = principal.role === 'admin';
  const keys = h('p', { class: 'keys', role: 'status' }, 'Checking…');
  const checkKeys = () => {
    keys.textContent = 'Checking…';
    keys.className = 'keys';
    call('GET', `${path}/keys`, { signal })
      .then(({ body }) => {
        const status = /** @type {KeyStatus} */ (body);
        keys.textContent = describeKeys(status);
        keys.className = `keys ${status.ok ? 'good' : 'bad'}`;
      })
      .catch((/** @type {unknown} */ error) => {
        keys.textContent = `Not checked: ${error instanceof Error ? error.message : ''}`;
      });
  };
  checkKeys();
  const definition = h('textarea', {
    class: 'code',
    rows: 16,
    spellcheck: 'false',
    readonly: !admin,
    value: JSON.stringify(answer.body, null, 2),
  });
  const definitionField = field(
    'Definition (JSON)',
    definition,
    admin ? 'Edit and save: the broker checks it as it does any write.' : undefined,
  );
  const refusal = refusalBox();
  const save = h('button', { type: 'button' }, 'Save changes');
  save.addEventListener('click', () => {
    clearRefusal(refusal, { '(body)': definitionField });
    /** @type {unknown} */
    let body;
    try {
      body = JSON.parse(definition.value);
    } catch (error) {
      definitionField.setError(`Not valid JSON: ${error instanceof Error ? error.message : ''}`);
      return;
    }
    call('PUT', path, { body, ifMatch: etag })
      .then((saved) => {
        etag = saved.etag;
        const { keys: status, ...platform } = /** @type {{ keys: KeyStatus }} */ (saved.body);
        definition.value = JSON.stringify(platform, null, 2);
        keys.textContent = describeKeys(status);
        announce(`Saved platform ${name}.`);
      })
      .catch((/** @type {unknown} */ error) => showRefusal(refusal, error, { '(body)': definitionField }));
  });
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete platform');
  remove.addEventListener('click', () => {
    if (!confirm(`Delete platform ${name}?`)) return;
    call('DELETE', path, { ifMatch: etag })
      .then(() => {
        announce(`Deleted platform ${name}.`);
        navigate('#/platforms');
      })
      .catch((/** @type {unknown} */ error) => showRefusal(refusal, error));
  });
  const users = /** @type {{ items: { name: string }[] }} */ (policies.body).items;
  return h(
    'section',
    {},
    heading(`Platform ${name}`),
    h('h2', {}, 'Keys'),
    keys,
    h('button', { type: 'button', onclick: checkKeys }, 'Check the keys again'),
    h('h2', {}, 'Policies on this platform'),
    users.length === 0
      ? h('p', {}, 'None.')
      : h('ul', {}, ...users.map((p) => h('li', {}, h('a', { href: `#/policies/${p.name}` }, p.name)))),
    h('h2', {}, 'Definition'),
    refusal,
    definitionField.element,
    admin ? h('div', { class: 'actions' }, save, remove) : null,
  );
}
