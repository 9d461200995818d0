import { call } from './api.js';
import { field, h, heading, lines } from './dom.js';
import { reportView } from './explain-report.js';
import { clearRefusal, refusalBox, showRefusal } from './problems.js';

/** @typedef {import('./main.js').ViewContext} ViewContext */
const GRANTS = [
  ['urn:ietf:params:oauth:grant-type:token-exchange', 'Token exchange (RFC 8693)'],
  ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'JWT bearer (RFC 7523)'],
  ['client_credentials', 'Client credentials with a client assertion (RFC 7523)'],
];

/**
 * `#/explain`: what `/token` would decide for a credential, step by step, issuing and auditing
 * nothing. The token pasted stays in this page: it is not kept anywhere.
 *
 * @param {ViewContext} context
 */
export function explainView({ signal }) {
  const controls = {
    token: h('textarea', {
      name: 'token',
      rows: 5,
      class: 'code',
      spellcheck: 'false',
      autocomplete: 'off',
      required: true,
    }),
    grantType: h(
      'select',
      { name: 'grantType' },
      ...GRANTS.map(([value, label]) => h('option', { value }, label)),
    ),
    audience: h('textarea', { name: 'audience', rows: 1, spellcheck: 'false' }),
    scope: h('input', { name: 'scope', spellcheck: 'false', autocomplete: 'off' }),
    actorToken: h('textarea', {
      name: 'actorToken',
      rows: 2,
      class: 'code',
      spellcheck: 'false',
      autocomplete: 'off',
    }),
    clientId: h('input', { name: 'clientId', spellcheck: 'false', autocomplete: 'off' }),
  };
  /** @type {Record<string, import('./dom.js').Field>} */
  const fields = {
    token: field('Credential (JWT)', controls.token, 'The workload’s token, as it would send it to /token.'),
    grantType: field('Grant', controls.grantType),
    audience: field('Audience or resource (optional)', controls.audience, 'One per line.'),
    scope: field('Scope (optional)', controls.scope, 'Separated by spaces.'),
    actorToken: field('Actor token (optional)', controls.actorToken),
    clientId: field('Client ID (optional)', controls.clientId),
  };
  const refusal = refusalBox();
  const result = h('div', { class: 'explain-result', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Explain');
  const form = h(
    'form',
    { method: 'post', class: 'stack' },
    refusal,
    ...Object.values(fields).map((f) => f.element),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearRefusal(refusal, fields);
    /** @type {Record<string, unknown>} */
    const body = { token: controls.token.value.trim(), grantType: controls.grantType.value };
    const audience = lines(controls.audience.value);
    if (audience.length > 0) body.audience = audience;
    if (controls.scope.value.trim() !== '') body.scope = controls.scope.value.trim();
    if (controls.actorToken.value.trim() !== '') body.actorToken = controls.actorToken.value.trim();
    if (controls.clientId.value.trim() !== '') body.clientId = controls.clientId.value.trim();
    submit.disabled = true;
    result.replaceChildren(h('p', {}, 'Explaining…'));
    call('POST', '/admin/v1/explain', { body, signal })
      .then(({ body: report }) => {
        result.replaceChildren(
          reportView(/** @type {import('./explain-report.js').ExplainReport} */ (report)),
        );
      })
      .catch((/** @type {unknown} */ error) => {
        result.replaceChildren();
        showRefusal(refusal, error, fields);
        refusal.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return h(
    'section',
    {},
    heading('Explain a credential'),
    h('p', {}, 'Runs the checks /token would run, without issuing or auditing anything.'),
    form,
    result,
  );
}
