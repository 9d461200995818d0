import { call } from './api.js';
import { field, h, heading, lines } from './dom.js';
import { clearRefusal, refusalBox, showRefusal } from './problems.js';

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

const KINDS = ['kubernetes', 'spiffe', 'github-actions', 'gitlab', 'gcp', 'azure', 'aws'];

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

/**
 * `#/platforms/new`: registers a platform (admins).
 *
 * @param {ViewContext} context
 */
export function newPlatformView({ principal, navigate, announce }) {
  if (principal.role !== 'admin') return readOnlyNotice('Add a platform');
  const name = h('input', { name: 'name', required: true, autocomplete: 'off', spellcheck: 'false' });
  const kind = h('select', { name: 'kind' }, ...KINDS.map((k) => h('option', { value: k }, k)));
  const issuer = h('input', { name: 'issuer', type: 'url', required: true, spellcheck: 'false' });
  const source = keySourceChoice();
  const audiences = h('textarea', { name: 'audiences', rows: 2, spellcheck: 'false' });
  const settings = h('textarea', {
    name: 'settings',
    rows: 3,
    spellcheck: 'false',
    class: 'code',
    value: '{}',
  });
  const enabled = h('input', { type: 'checkbox', name: 'enabled', id: 'platform-enabled', checked: true });
  /** @type {Record<string, import('./dom.js').Field>} */
  const fields = {
    name: field('Name', name, 'Lowercase letters, digits and dashes.'),
    kind: field('Kind', kind),
    issuer: field('Issuer', issuer, 'The iss of the credentials this platform issues.'),
    jwksUri: source.jwksUri,
    jwks: source.jwks,
    audiences: field(
      'Accepted audiences',
      audiences,
      'One per line. Empty: the broker’s issuer and its token endpoint.',
    ),
    settings: field(
      'Settings (JSON)',
      settings,
      'Kind-specific, e.g. {"trustDomain": "example.org"} for SPIFFE.',
    ),
  };
  const refusal = refusalBox();
  const submit = h('button', { type: 'submit' }, 'Register platform');
  const form = h(
    'form',
    { method: 'post', class: 'stack' },
    refusal,
    fields.name.element,
    fields.kind.element,
    fields.issuer.element,
    source.element,
    fields.audiences.element,
    fields.settings.element,
    h('div', { class: 'check' }, enabled, h('label', { for: enabled.id }, 'Enabled')),
    h('div', { class: 'actions' }, submit, h('a', { href: '#/platforms' }, 'Cancel')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearRefusal(refusal, fields);
    /** @type {Record<string, unknown>} */
    const platform = {
      name: name.value.trim(),
      kind: kind.value,
      issuer: issuer.value.trim(),
      enabled: enabled.checked,
    };
    const chosen = source.value();
    if (chosen.jwksUri !== undefined) platform.jwksUri = chosen.jwksUri;
    if (chosen.jwks !== undefined) platform.jwks = chosen.jwks;
    if (lines(audiences.value).length > 0) platform.audiences = lines(audiences.value);
    try {
      platform.settings = JSON.parse(settings.value || '{}');
      if (chosen.jwksError) throw new Error(chosen.jwksError);
    } catch (error) {
      fields[chosen.jwksError ? 'jwks' : 'settings'].setError(
        `Not valid JSON: ${error instanceof Error ? error.message : ''}`,
      );
      return;
    }
    submit.disabled = true;
    call('POST', '/admin/v1/platforms', { body: platform })
      .then(({ body }) => {
        const keys = /** @type {{ keys: KeyStatus }} */ (body).keys;
        announce(`Registered platform ${name.value.trim()}. ${describeKeys(keys)}`);
        navigate(`#/platforms/${name.value.trim()}`);
      })
      .catch((/** @type {unknown} */ error) => {
        showRefusal(refusal, error, fields);
        refusal.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return h('section', {}, heading('Add a platform'), form);
}

/** Where the keys come from: discovery, a JWKS URI or an inline JWKS, one at a time. */
function keySourceChoice() {
  const uri = h('input', { name: 'jwksUri', type: 'url', spellcheck: 'false' });
  const inline = h('textarea', { name: 'jwks', rows: 4, spellcheck: 'false', class: 'code' });
  const jwksUri = field('JWKS URI', uri);
  const jwks = field('JWKS (JSON)', inline, 'A JWK Set: {"keys": [...]}.');
  const options = [
    ['discovery', 'OIDC discovery at the issuer'],
    ['uri', 'A JWKS URI'],
    ['inline', 'An inline JWKS'],
  ];
  const radios = options.map(([value]) =>
    h('input', {
      type: 'radio',
      name: 'key-source',
      value,
      id: `key-source-${value}`,
      checked: value === 'discovery',
    }),
  );
  const sync = () => {
    const chosen = radios.find((r) => r.checked)?.value;
    jwksUri.element.hidden = chosen !== 'uri';
    jwks.element.hidden = chosen !== 'inline';
  };
  for (const radio of radios) radio.addEventListener('change', sync);
  sync();
  const element = h(
    'fieldset',
    {},
    h('legend', {}, 'Keys from'),
    ...radios.map((radio, i) =>
      h('div', { class: 'check' }, radio, h('label', { for: radio.id }, options[i]?.[1] ?? '')),
    ),
    jwksUri.element,
    jwks.element,
  );
  return {
    element,
    jwksUri,
    jwks,
    /** @returns {{ jwksUri?: string, jwks?: unknown, jwksError?: string }} */
    value() {
      const chosen = radios.find((r) => r.checked)?.value;
      if (chosen === 'uri') return { jwksUri: uri.value.trim() };
      if (chosen !== 'inline') return {};
      try {
        return { jwks: JSON.parse(inline.value) };
      } catch (error) {
        return { jwksError: error instanceof Error ? error.message : 'not JSON' };
      }
    },
  };
}

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

/** @param {string} title */
export function readOnlyNotice(title) {
  return h(
    'section',
    {},
    heading(title),
    h('p', {}, 'An auditor credential reads only; sign in as an admin to make changes.'),
  );
}
