import { call } from './api.js';
import { claimsEditor } from './claims-editor.js';
import { field, h, heading, lines, readOnlyNotice } from './dom.js';
import { placeProblems, refusalBox, showRefusal, clearRefusal } from './problems.js';
import { lifecycleControls } from './policy-lifecycle.js';
import { policyTests, testsEditor } from './policy-tests.js';

/** @typedef {import('./main.js').ViewContext} ViewContext */
/** @typedef {import('./dom.js').Field} Field */
/** @typedef {import('./api.js').FieldProblem} FieldProblem */
/** @typedef {{ code: string, field: string, message: string }} Warning */

/** How long typing must pause before the draft is sent to be checked. */
const CHECK_AFTER_MS = 350;

/** Members this form edits; any other member of the policy (but the read-only ones) is kept as it is. */
const EDITED = [
  'name',
  'platform',
  'condition',
  'subject',
  'actorCondition',
  'claims',
  'audiences',
  'scopes',
  'ttlSeconds',
  'priority',
  'enabled',
  'mode',
  'expiresAt',
  'oneTimeUse',
  'tests',
];
const READ_ONLY = ['id', 'version', 'createdAt', 'updatedAt'];

/** @type {Record<string, unknown>} */
const NEW_POLICY = {
  condition: '',
  audiences: [],
  scopes: [],
  claims: {},
  ttlSeconds: 900,
  priority: 0,
  enabled: true,
};

/**
 * `#/policies/new` and `#/policies/<name>`: the policy's form. Every edit is checked by the broker
 * (`POST /admin/v1/policies/validate`) once typing pauses, and each problem is shown beside its
 * expression; admins save and delete, auditors read.
 *
 * @param {ViewContext} context
 */
export async function policyEditorView({ principal, params, signal, navigate, announce }) {
  const existing = params[0];
  const [platformsAnswer, policyAnswer] = await Promise.all([
    call('GET', '/admin/v1/platforms', { signal }),
    existing ? call('GET', `/admin/v1/policies/${encodeURIComponent(existing)}`, { signal }) : undefined,
  ]);
  const platforms = /** @type {{ items: { name: string, kind: string }[] }} */ (platformsAnswer.body).items;
  const original = /** @type {Record<string, unknown>} */ (policyAnswer?.body ?? NEW_POLICY);
  let etag = policyAnswer?.etag ?? null;
  const admin = principal.role === 'admin';
  const title = existing ? `Policy ${existing}` : 'New policy';
  if (!existing && !admin) return readOnlyNotice(title);
  if (platforms.length === 0) {
    return h(
      'section',
      {},
      heading(title),
      h(
        'p',
        {},
        'A policy belongs to a platform: ',
        h('a', { href: '#/platforms/new' }, 'register one first'),
        '.',
      ),
    );
  }

  const text = (/** @type {string} */ key) => (typeof original[key] === 'string' ? original[key] : '');
  const code = (/** @type {string} */ name, /** @type {number} */ rows, /** @type {string} */ value) =>
    h('textarea', {
      name,
      rows,
      class: 'code',
      spellcheck: 'false',
      autocomplete: 'off',
      readonly: !admin,
      value,
    });
  const controls = {
    name: h('input', {
      name: 'name',
      required: true,
      spellcheck: 'false',
      autocomplete: 'off',
      readonly: !admin || existing !== undefined,
      value: text('name'),
    }),
    platform: h(
      'select',
      { name: 'platform', disabled: !admin },
      ...platforms.map((p) => h('option', { value: p.name }, `${p.name} (${p.kind})`)),
    ),
    condition: code('condition', 3, text('condition')),
    subject: code('subject', 2, text('subject')),
    actorCondition: code('actorCondition', 2, text('actorCondition')),
    audiences: h('textarea', {
      name: 'audiences',
      rows: 2,
      spellcheck: 'false',
      readonly: !admin,
      value: asList(original.audiences).join('\n'),
    }),
    scopes: h('input', {
      name: 'scopes',
      spellcheck: 'false',
      autocomplete: 'off',
      readonly: !admin,
      value: asList(original.scopes).join(' '),
    }),
    ttlSeconds: h('input', {
      name: 'ttlSeconds',
      type: 'number',
      min: 1,
      readonly: !admin,
      value: numberText(original.ttlSeconds),
    }),
    priority: h('input', {
      name: 'priority',
      type: 'number',
      readonly: !admin,
      value: numberText(original.priority),
    }),
    enabled: h('input', {
      type: 'checkbox',
      name: 'enabled',
      id: 'policy-enabled',
      disabled: !admin,
      checked: original.enabled !== false,
    }),
  };
  controls.platform.value = text('platform') || (platforms[0]?.name ?? '');
  /** @type {Record<string, Field>} */
  const fields = {
    name: field('Name', controls.name, existing ? undefined : 'Lowercase letters, digits and dashes.'),
    platform: field('Platform', controls.platform),
    condition: field(
      'Condition (CEL)',
      controls.condition,
      "Over claims, identity and request; true grants. Example: identity.namespace == 'payments'",
    ),
    subject: field(
      'Subject (CEL, optional)',
      controls.subject,
      'The issued sub. Empty: <platform>:<credential sub>.',
    ),
    actorCondition: field(
      'Actor condition (CEL, optional)',
      controls.actorCondition,
      'Over actor; empty: no actor_token is allowed.',
    ),
    audiences: field('Audiences', controls.audiences, 'One per line.'),
    scopes: field('Scopes', controls.scopes, 'Separated by spaces.'),
    ttlSeconds: field('Token lifetime (seconds)', controls.ttlSeconds),
    priority: field('Priority', controls.priority, 'The highest matching priority wins, then the name.'),
  };
  const claims = claimsEditor(asClaims(original.claims), admin);
  const lifecycle = lifecycleControls(original, admin);
  const tests = testsEditor(original.tests, admin);

  const status = h('p', { class: 'compile-status', role: 'status' });
  const unplaced = h('ul', { class: 'problems' });
  /** What the form holds that cannot be sent: tests that are not a JSON list. */
  const localProblems = () => {
    const written = tests.value();
    return 'problem' in written ? [{ field: 'tests', message: written.problem }] : [];
  };
  /** The form's members, with the members it does not edit as they were. */
  const draft = () => {
    /** @type {Record<string, unknown>} */
    const body = Object.fromEntries(
      Object.entries(original).filter(([key]) => !EDITED.includes(key) && !READ_ONLY.includes(key)),
    );
    Object.assign(body, {
      name: controls.name.value.trim(),
      platform: controls.platform.value,
      condition: controls.condition.value,
      claims: claims.value(),
      audiences: lines(controls.audiences.value),
      scopes: controls.scopes.value.split(/\s+/).filter((s) => s !== ''),
      ttlSeconds: numberOr(controls.ttlSeconds),
      priority: numberOr(controls.priority),
      enabled: controls.enabled.checked,
    });
    if (controls.subject.value.trim() !== '') body.subject = controls.subject.value;
    if (controls.actorCondition.value.trim() !== '') body.actorCondition = controls.actorCondition.value;
    Object.assign(body, lifecycle.value());
    const written = tests.value();
    if ('tests' in written) body.tests = written.tests;
    return body;
  };
  const allFields = () => ({ ...fields, ...lifecycle.fields, tests: tests.field, ...claims.fields() });

  /** @type {AbortController | undefined} */
  let checking;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const check = () => {
    checking?.abort();
    const mine = new AbortController();
    checking = mine;
    signal.addEventListener('abort', () => mine.abort(), { once: true });
    status.textContent = 'Checking…';
    status.className = 'compile-status';
    call('POST', '/admin/v1/policies/validate', { body: draft(), signal: mine.signal })
      .then(({ body }) => {
        const answer = /** @type {{ errors: FieldProblem[], warnings?: Warning[] }} */ (body);
        const errors = [...localProblems(), ...answer.errors];
        const warnings = answer.warnings ?? [];
        const left = placeProblems(errors, allFields());
        unplaced.replaceChildren(
          ...left.map((p) => h('li', {}, `${p.field}: ${p.message}`)),
          ...(errors.length === 0 ? warnings : []).map((w) =>
            h('li', { class: 'warning' }, `Warning (${w.field}): ${w.message}`),
          ),
        );
        status.textContent =
          errors.length > 0
            ? `${errors.length} problem${errors.length === 1 ? '' : 's'}: the broker would refuse this policy.`
            : warnings.length > 0
              ? `Compiles: the broker would accept this policy, with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}.`
              : 'Compiles: the broker would accept this policy.';
        status.className = `compile-status ${errors.length === 0 ? 'good' : 'bad'}`;
      })
      .catch((/** @type {unknown} */ error) => {
        if (mine.signal.aborted) return;
        status.textContent = `Could not check: ${error instanceof Error ? error.message : String(error)}`;
        status.className = 'compile-status bad';
      });
  };
  const schedule = () => {
    clearTimeout(timer);
    status.textContent = 'Edited; checking when you pause…';
    status.className = 'compile-status';
    timer = setTimeout(check, CHECK_AFTER_MS);
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });

  const refusal = refusalBox();
  const form = h(
    'form',
    { method: 'post', class: 'stack', 'aria-describedby': 'compile-status' },
    fields.name.element,
    fields.platform.element,
    fields.condition.element,
    fields.subject.element,
    fields.actorCondition.element,
    claims.element,
    fields.audiences.element,
    fields.scopes.element,
    h('div', { class: 'row' }, fields.ttlSeconds.element, fields.priority.element),
    h('div', { class: 'check' }, controls.enabled, h('label', { for: controls.enabled.id }, 'Enabled')),
    lifecycle.element,
    tests.field.element,
    refusal,
    admin
      ? h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit' }, existing ? 'Save changes' : 'Create policy'),
          existing
            ? h('button', { type: 'button', class: 'danger', onclick: () => remove() }, 'Delete policy')
            : null,
        )
      : null,
  );
  status.id = 'compile-status';
  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearRefusal(refusal);
    const unsendable = localProblems();
    if (unsendable.length > 0) {
      placeProblems(unsendable, allFields());
      tests.field.element.querySelector('textarea')?.focus();
      return;
    }
    const body = draft();
    const saving = existing
      ? call('PUT', `/admin/v1/policies/${encodeURIComponent(existing)}`, { body, ifMatch: etag })
      : call('POST', '/admin/v1/policies', { body });
    saving
      .then((saved) => {
        etag = saved.etag;
        announce(`Saved policy ${String(body.name)}.`);
        navigate(`#/policies/${String(body.name)}`);
      })
      .catch((/** @type {unknown} */ error) => {
        showRefusal(refusal, error, allFields());
        refusal.focus();
      });
  });
  const remove = () => {
    if (!existing || !confirm(`Delete policy ${existing}?`)) return;
    call('DELETE', `/admin/v1/policies/${encodeURIComponent(existing)}`, { ifMatch: etag })
      .then(() => {
        announce(`Deleted policy ${existing}.`);
        navigate('#/policies');
      })
      .catch((/** @type {unknown} */ error) => showRefusal(refusal, error));
  };
  check();
  return h(
    'section',
    { class: 'editor' },
    heading(title),
    h('div', { class: 'compile' }, status, unplaced),
    form,
    existing ? policyTests(existing, signal) : null,
  );
}

/**
 * @param {unknown} value
 * @returns {string[]}
 */
function asList(value) {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * @param {unknown} value
 * @returns {Record<string, string>}
 */
function asClaims(value) {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

/**
 * @param {unknown} value
 * @returns {string}
 */
function numberText(value) {
  return typeof value === 'number' ? String(value) : '';
}

/**
 * A number input's number, or its text when it is not one (the broker then says why).
 *
 * @param {HTMLInputElement} input
 */
function numberOr(input) {
  return Number.isFinite(input.valueAsNumber) ? input.valueAsNumber : input.value;
}
