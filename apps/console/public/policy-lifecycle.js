import { field, h } from './dom.js';

/** @typedef {import('./dom.js').Field} Field */

/**
 * How a policy is rolled out: its mode (`enforce` grants; `audit` is evaluated and recorded, grants
 * nothing), when it stops matching (`expiresAt`), and whether each credential may be exchanged once.
 *
 * @param {Record<string, unknown>} original the policy as read (or a new one)
 * @param {boolean} editable
 */
export function lifecycleControls(original, editable) {
  const mode = h(
    'select',
    { name: 'mode', disabled: !editable },
    h('option', { value: 'enforce' }, 'Enforce: grants tokens'),
    h('option', { value: 'audit' }, 'Audit: evaluated and recorded, grants nothing'),
  );
  mode.value = original.mode === 'audit' ? 'audit' : 'enforce';
  const expiresAt = h('input', {
    name: 'expiresAt',
    spellcheck: 'false',
    autocomplete: 'off',
    readonly: !editable,
    value: typeof original.expiresAt === 'string' ? original.expiresAt : '',
  });
  const oneTimeUse = h('input', {
    type: 'checkbox',
    name: 'oneTimeUse',
    id: 'policy-one-time-use',
    disabled: !editable,
    checked: original.oneTimeUse === true,
  });
  /** @type {Record<string, Field>} */
  const fields = {
    mode: field('Mode', mode),
    expiresAt: field('Expires at (optional)', expiresAt, 'An RFC 3339 time, e.g. 2026-12-31T23:59:59Z.'),
  };
  return {
    fields,
    element: h(
      'fieldset',
      {},
      h('legend', {}, 'Rollout'),
      fields.mode.element,
      fields.expiresAt.element,
      h(
        'div',
        { class: 'check' },
        oneTimeUse,
        h('label', { for: oneTimeUse.id }, 'One-time use: each credential may be exchanged once'),
      ),
    ),
    /** @returns {Record<string, unknown>} the members to send */
    value() {
      /** @type {Record<string, unknown>} */
      const members = { mode: mode.value };
      if (expiresAt.value.trim() !== '') members.expiresAt = expiresAt.value.trim();
      if (oneTimeUse.checked || original.oneTimeUse !== undefined) members.oneTimeUse = oneTimeUse.checked;
      return members;
    },
  };
}
