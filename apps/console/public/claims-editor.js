import { field, h } from './dom.js';

/** @typedef {import('./dom.js').Field} Field */

/**
 * Rows of claim name and CEL expression, added and removed by buttons.
 *
 * @param {Record<string, string>} initial
 * @param {boolean} editable
 */
export function claimsEditor(initial, editable) {
  const list = h('div', { class: 'claims' });
  /** @type {{ row: HTMLElement, name: HTMLInputElement, expression: Field, input: HTMLTextAreaElement }[]} */
  const rows = [];
  const hint = h('p', { class: 'hint' }, 'Added to the issued token; each value is a CEL expression.');
  const empty = h('p', { class: 'hint' }, 'No extra claim.');
  const refresh = () => {
    empty.hidden = rows.length > 0;
    rows.forEach((entry, i) => {
      const label = entry.row.querySelectorAll('label');
      label[0]?.replaceChildren(`Claim ${i + 1} name`);
      label[1]?.replaceChildren(`Claim ${i + 1} expression (CEL)`);
    });
  };
  const add = (/** @type {string} */ claimName, /** @type {string} */ expressionText) => {
    const name = h('input', {
      spellcheck: 'false',
      autocomplete: 'off',
      readonly: !editable,
      value: claimName,
    });
    const input = h('textarea', {
      rows: 1,
      class: 'code',
      spellcheck: 'false',
      readonly: !editable,
      value: expressionText,
    });
    const nameField = field('Claim name', name);
    const expression = field('Expression (CEL)', input);
    const entry = { row: h('div', { class: 'claim' }), name, expression, input };
    const removeButton = h('button', { type: 'button', class: 'secondary' }, 'Remove claim');
    removeButton.addEventListener('click', () => {
      rows.splice(rows.indexOf(entry), 1);
      entry.row.remove();
      refresh();
      list.dispatchEvent(new Event('input', { bubbles: true }));
      addButton.focus();
    });
    entry.row.append(nameField.element, expression.element, editable ? removeButton : '');
    rows.push(entry);
    list.append(entry.row);
    refresh();
    return name;
  };
  const addButton = h('button', { type: 'button', class: 'secondary' }, 'Add a claim');
  addButton.addEventListener('click', () => add('', '').focus());
  for (const [name, expression] of Object.entries(initial)) add(name, expression);
  return {
    element: h(
      'fieldset',
      {},
      h('legend', {}, 'Extra claims'),
      hint,
      empty,
      list,
      editable ? addButton : null,
    ),
    /** @returns {Record<string, string>} */
    value: () => Object.fromEntries(rows.map((r) => [r.name.value.trim(), r.input.value])),
    /** @returns {Record<string, Field>} */
    fields: () => Object.fromEntries(rows.map((r) => [`claims.${r.name.value.trim()}`, r.expression])),
  };
}
