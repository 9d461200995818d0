import { call } from './api.js';
import { field, h, heading, lines, shown } from './dom.js';
import { clearRefusal, refusalBox, showRefusal } from './problems.js';

/** @typedef {import('./main.js').ViewContext} ViewContext */
/**
 * @typedef {object} ExplainReport what `POST /admin/v1/explain` answers
 * @property {{ name: string, kind: string, issuer: string } | null} platform
 * @property {{ header: Record<string, unknown>, claims: Record<string, unknown> } | null} presented
 * @property {{ step: string, ok: boolean, detail: string }[]} steps
 * @property {Record<string, unknown> | null} identity
 * @property {{ policy: string, result: string, reason?: string }[]} policies
 * @property {{ outcome: 'issue', policy: string, subject: string, audience: string[], scopes: string[], ttlSeconds: number, claims: Record<string, unknown> } | { outcome: 'deny', error: string, reason: string }} decision
 */

const GRANTS = [
  ['urn:ietf:params:oauth:grant-type:token-exchange', 'Token exchange (RFC 8693)'],
  ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'JWT bearer (RFC 7523)'],
  ['client_credentials', 'Client credentials with a client assertion (RFC 7523)'],
];

const VERDICTS = /** @type {Record<string, string>} */ ({
  matched: 'Matched',
  not_matched: 'Not matched',
  error: 'Error',
  disabled: 'Disabled',
});

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
        result.replaceChildren(reportView(/** @type {ExplainReport} */ (report)));
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

/** @param {ExplainReport} report */
function reportView(report) {
  const { decision } = report;
  return h(
    'div',
    {},
    h('h2', {}, 'Decision'),
    decision.outcome === 'issue'
      ? h(
          'div',
          { class: 'decision good' },
          h('p', {}, h('strong', {}, 'Would issue a token'), ` under policy ${decision.policy}.`),
          table('The token that would be issued', [
            ['sub', decision.subject],
            ['aud', decision.audience.join(' ')],
            ['scope', decision.scopes.join(' ')],
            ['lifetime', `${decision.ttlSeconds} s`],
            ...Object.entries(decision.claims).map(([k, v]) => /** @type {[string, unknown]} */ ([k, v])),
          ]),
        )
      : h(
          'div',
          { class: 'decision bad' },
          h('p', {}, h('strong', {}, 'Would refuse'), `: ${decision.error}`),
          h('p', {}, decision.reason),
        ),
    h('h2', {}, 'Platform'),
    h(
      'p',
      {},
      report.platform
        ? `${report.platform.name} (${report.platform.kind}), issuer ${report.platform.issuer}`
        : 'No platform was found for this credential.',
    ),
    h('h2', {}, 'Steps'),
    report.steps.length === 0
      ? h('p', {}, 'No step ran.')
      : h(
          'ol',
          { class: 'steps' },
          ...report.steps.map((s) =>
            h(
              'li',
              { class: s.ok ? 'good' : 'bad' },
              h('strong', {}, `${s.ok ? 'Passed' : 'Failed'}: ${s.step}`),
              ` — ${s.detail}`,
            ),
          ),
        ),
    h('h2', {}, 'Identity'),
    report.identity
      ? table('The normalized identity (CEL identity)', Object.entries(report.identity))
      : h('p', {}, 'The credential was not verified, so it has no identity.'),
    h('h2', {}, 'Policies'),
    report.policies.length === 0
      ? h('p', {}, 'No policy was evaluated.')
      : h(
          'table',
          {},
          h('caption', {}, 'Every policy of the platform, in the order /token ranks them'),
          h(
            'thead',
            {},
            h('tr', {}, ...['Policy', 'Verdict', 'Why'].map((t) => h('th', { scope: 'col' }, t))),
          ),
          h(
            'tbody',
            {},
            ...report.policies.map((p) =>
              h(
                'tr',
                { class: p.result === 'matched' ? 'good' : p.result === 'error' ? 'bad' : '' },
                h('th', { scope: 'row' }, p.policy),
                h('td', {}, VERDICTS[p.result] ?? p.result),
                h('td', { class: 'wrap' }, p.reason ?? ''),
              ),
            ),
          ),
        ),
    report.presented
      ? h(
          'details',
          {},
          h('summary', {}, 'The credential as presented (unverified)'),
          h('pre', { class: 'code' }, JSON.stringify(report.presented, null, 2)),
        )
      : null,
  );
}

/**
 * A two-column table of names and values.
 *
 * @param {string} caption
 * @param {[string, unknown][]} entries
 */
function table(caption, entries) {
  return h(
    'table',
    { class: 'pairs' },
    h('caption', {}, caption),
    h(
      'tbody',
      {},
      ...entries.map(([name, value]) =>
        h('tr', {}, h('th', { scope: 'row' }, name), h('td', { class: 'code wrap' }, shown(value))),
      ),
    ),
  );
}
