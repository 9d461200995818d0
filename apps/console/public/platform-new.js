import { call } from './api.js';
import { field, h, heading, lines, readOnlyNotice } from './dom.js';
import { describeKeys } from './platforms.js';
import { clearRefusal, refusalBox, showRefusal } from './problems.js';

/** @typedef {import('./main.js').ViewContext} ViewContext */
/** @typedef {import('./platforms.js').KeyStatus} KeyStatus */

const KINDS = ['kubernetes', 'spiffe', 'github-actions', 'gitlab', 'gcp', 'azure', 'aws'];

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
