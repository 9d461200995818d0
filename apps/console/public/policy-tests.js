import { call, isMissingEndpoint } from './api.js';
import { h } from './dom.js';

/** @typedef {{ name: string, passed: boolean, outcome: string, reason?: string }} TestResult */

/**
 * The policy's tests, run on demand by the broker (`POST /admin/v1/policies/<name>/test`) against
 * the policy as saved. A broker without the endpoint says so rather than failing.
 *
 * @param {string} policy
 * @param {AbortSignal} signal
 */
export function policyTests(policy, signal) {
  const output = h('div', { class: 'tests', role: 'status' });
  const run = h('button', { type: 'button' }, 'Run the tests');
  run.addEventListener('click', () => {
    run.disabled = true;
    output.replaceChildren(h('p', {}, 'Running…'));
    call('POST', `/admin/v1/policies/${encodeURIComponent(policy)}/test`, { signal })
      .then(({ body }) => {
        output.replaceChildren(results(/** @type {{ results: TestResult[] }} */ (body).results));
        run.disabled = false;
      })
      .catch((/** @type {unknown} */ error) => {
        if (isMissingEndpoint(error)) {
          output.replaceChildren(
            h('p', { class: 'unavailable' }, 'Policy tests are not available on this broker version.'),
          );
          return;
        }
        output.replaceChildren(
          h(
            'p',
            { class: 'bad' },
            `Could not run the tests: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
        run.disabled = false;
      });
  });
  return h(
    'section',
    { 'aria-labelledby': 'tests-heading' },
    h('h2', { id: 'tests-heading' }, 'Tests'),
    h('p', {}, 'Runs the tests saved with the policy.'),
    run,
    output,
  );
}

/** @param {TestResult[]} list */
function results(list) {
  if (list.length === 0) return h('p', {}, 'This policy has no tests.');
  const failed = list.filter((r) => !r.passed).length;
  return h(
    'div',
    {},
    h(
      'p',
      { class: failed === 0 ? 'good' : 'bad' },
      failed === 0 ? `All ${list.length} tests passed.` : `${failed} of ${list.length} tests failed.`,
    ),
    h(
      'table',
      {},
      h('caption', {}, 'Test results'),
      h(
        'thead',
        {},
        h('tr', {}, ...['Test', 'Result', 'Outcome', 'Reason'].map((t) => h('th', { scope: 'col' }, t))),
      ),
      h(
        'tbody',
        {},
        ...list.map((r) =>
          h(
            'tr',
            { class: r.passed ? 'good' : 'bad' },
            h('th', { scope: 'row' }, r.name),
            h('td', {}, r.passed ? 'Passed' : 'Failed'),
            h('td', {}, r.outcome),
            h('td', { class: 'wrap' }, r.reason ?? ''),
          ),
        ),
      ),
    ),
  );
}
