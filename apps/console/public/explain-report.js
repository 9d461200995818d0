import { h, shown } from './dom.js';

/** @typedef {{ tokenType: string, header: Record<string, unknown> | null, claims: Record<string, unknown> | null }} Presented */
/**
 * @typedef {object} Step
 * @property {string} step
 * @property {boolean} ok
 * @property {string} detail
 * @property {string} [check] the verification check that refused the credential
 * @property {Presented} [presented] the credential that check read
 */
/**
 * @typedef {object} PolicyVerdict
 * @property {string} policy
 * @property {string} result
 * @property {string} [reason]
 * @property {number} [rank]
 * @property {number} [priority]
 * @property {string} [mode] `enforce`, or `audit`: evaluated and recorded, grants nothing
 * @property {{ expression: string, position: number, of: number }} [falseConjunct]
 */
/**
 * @typedef {object} ExplainReport what `POST /admin/v1/explain` answers
 * @property {{ name: string, kind: string, issuer: string } | null} platform
 * @property {Presented | null} presented
 * @property {Step[]} steps
 * @property {Record<string, unknown> | null} identity
 * @property {string} [ranking]
 * @property {PolicyVerdict[]} policies
 * @property {{ outcome: 'issue', policy: string, subject: string, audience: string[], scopes: string[], ttlSeconds: number, claims: Record<string, unknown> } | { outcome: 'deny', error: string, reason: string }} decision
 */

const VERDICTS = /** @type {Record<string, string>} */ ({
  matched: 'Matched',
  not_matched: 'Not matched',
  error: 'Error',
  disabled: 'Disabled',
  expired: 'Expired',
});

/**
 * The report of an explain: the decision, the platform, each step, the identity, every policy's
 * verdict, and the credential as presented.
 *
 * @param {ExplainReport} report
 */
export function reportView(report) {
  return h(
    'div',
    {},
    h('h2', {}, 'Decision'),
    decisionView(report.decision),
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
      : h('ol', { class: 'steps' }, ...report.steps.map(stepView)),
    h('h2', {}, 'Identity'),
    report.identity
      ? pairs('The normalized identity (CEL identity)', Object.entries(report.identity))
      : h('p', {}, 'The credential was not verified, so it has no identity.'),
    h('h2', {}, 'Policies'),
    report.policies.length === 0 ? h('p', {}, 'No policy was evaluated.') : verdictsView(report),
    report.presented ? presentedView('The credential as presented (unverified)', report.presented) : null,
  );
}

/** @param {ExplainReport['decision']} decision */
function decisionView(decision) {
  if (decision.outcome === 'deny') {
    return h(
      'div',
      { class: 'decision bad' },
      h('p', {}, h('strong', {}, 'Would refuse'), `: ${decision.error}`),
      h('p', {}, decision.reason),
    );
  }
  return h(
    'div',
    { class: 'decision good' },
    h('p', {}, h('strong', {}, 'Would issue a token'), ` under policy ${decision.policy}.`),
    pairs('The token that would be issued', [
      ['sub', decision.subject],
      ['aud', decision.audience.join(' ')],
      ['scope', decision.scopes.join(' ')],
      ['lifetime', `${decision.ttlSeconds} s`],
      ...Object.entries(decision.claims),
    ]),
  );
}

/** @param {Step} step */
function stepView(step) {
  return h(
    'li',
    { class: step.ok ? 'good' : 'bad' },
    h('strong', {}, `${step.ok ? 'Passed' : 'Failed'}: ${step.step}`),
    ` — ${step.detail}`,
    step.check ? h('span', { class: 'check' }, ` (check: ${step.check})`) : null,
    step.presented ? presentedView(`The credential the ${step.step} step read`, step.presented) : null,
  );
}

/** @param {ExplainReport} report */
function verdictsView(report) {
  const caption = `Every policy of the platform, in the order /token ranks them${report.ranking ? `: ${report.ranking}` : ''}`;
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Rank', 'Policy', 'Priority', 'Mode', 'Verdict', 'Why'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...report.policies.map((p) =>
        h(
          'tr',
          { class: p.result === 'matched' ? 'good' : p.result === 'error' ? 'bad' : '' },
          h('td', { class: 'number' }, shown(p.rank)),
          h('th', { scope: 'row' }, p.policy),
          h('td', { class: 'number' }, shown(p.priority)),
          h('td', {}, p.mode === 'audit' ? 'Audit' : 'Enforce'),
          h('td', {}, VERDICTS[p.result] ?? p.result),
          h(
            'td',
            { class: 'wrap' },
            p.reason ?? '',
            p.falseConjunct
              ? h(
                  'span',
                  { class: 'conjunct' },
                  ` — false at part ${p.falseConjunct.position} of ${p.falseConjunct.of}: `,
                  h('code', {}, p.falseConjunct.expression),
                )
              : null,
          ),
        ),
      ),
    ),
  );
}

/**
 * @param {string} summary
 * @param {Presented} presented
 */
function presentedView(summary, presented) {
  const decoded = presented.header !== null || presented.claims !== null;
  return h(
    'details',
    {},
    h('summary', {}, summary),
    h('p', {}, `Presented as ${presented.tokenType}.`),
    decoded
      ? h(
          'pre',
          { class: 'code' },
          JSON.stringify({ header: presented.header, claims: presented.claims }, null, 2),
        )
      : h('p', {}, 'Not a JWT, or it does not decode.'),
  );
}

/**
 * A two-column table of names and values.
 *
 * @param {string} caption
 * @param {[string, unknown][]} entries
 */
function pairs(caption, entries) {
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
