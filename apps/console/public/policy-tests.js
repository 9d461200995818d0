import { call } from './api.js';
import { field, h } from './dom.js';

/** @typedef {{ name: string, passed: boolean, outcome: string, reason?: string }} TestResult */
/** @typedef {import('./dom.js').Field} Field */

/**
 * The policy's tests as JSON: a list of `{"name", "identity" | "claims", "actor"?, "request"?,
 * "expect": "match" | "no_match"}`, run by the broker at every save.
 *
 * @param {unknown} tests the policy's tests as read
 * @param {boolean} editable
 */
export function testsEditor(tests, editable) {
  const list = Array.isArray(tests) ? tests : [];
  const input = h('textarea', {
    name: 'tests',
    rows: Math.min(12, 2 + list.length * 4),
    class: 'code',
    spellcheck: 'false',
    readonly: !editable,
    value: list.length === 0 ? '' : JSON.stringify(list, null, 2),
  });
  const tested = field(
    'Tests (JSON, optional)',
    input,
    'A list of {"name", "identity" or "claims", "expect": "match" or "no_match"}; the broker runs them at every save and refuses a save that fails one.',
  );
  return {
    field: tested,
    /** @returns {{ tests: unknown[] } | { problem: string }} */
    value() {
      if (input.value.trim() === '') return { tests: [] };
      try {
        const parsed = /** @type {unknown} */ (JSON.parse(input.value));
        return Array.isArray(parsed) ? { tests: parsed } : { problem: 'must be a JSON list of tests' };
      } catch (error) {
        return { problem: `is not valid JSON: ${error instanceof Error ? error.message : ''}` };
      }
    },
  };
}

/**
 * The policy's tests, run on demand by the broker (`POST /admin/v1/policies/<name>/test`) against
 * the policy as saved.
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
