/** @typedef {Node | string | null | undefined | false} Child */
/** @typedef {string | number | boolean | null | undefined | ((event: Event) => void)} AttributeValue */

/** Members set as properties, after the children (a select's value needs its options). */
const PROPERTIES = new Set(['value', 'checked']);

/**
 * Creates an element. Text is always text (`textContent`), never parsed as HTML; `on<event>`
 * attributes are listeners; `true` sets an empty attribute, `false`, `null` and `undefined` none.
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttributeValue>} [attributes]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  /** @type {[string, AttributeValue][]} */
  const properties = [];
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (PROPERTIES.has(name)) properties.push([name, value]);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...present(children));
  for (const [name, value] of properties) Object.assign(element, { [name]: value });
  return element;
}

/**
 * @param {Child[]} children
 * @returns {(Node | string)[]}
 */
function present(children) {
  return children.filter((child) => child !== null && child !== undefined && child !== false);
}

let nextId = 0;

/**
 * A unique id for an element of this page.
 *
 * @param {string} prefix
 */
export function uniqueId(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/**
 * @typedef {object} Field
 * @property {HTMLElement} element the label, control, hint and error, in that order
 * @property {(message: string | undefined) => void} setError
 */

/**
 * A labelled control with an optional hint and a slot for its error, both tied to the control
 * (`aria-describedby`, `aria-invalid`) so that they are read with it.
 *
 * @param {string} label
 * @param {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} control
 * @param {string} [hint]
 * @returns {Field}
 */
export function field(label, control, hint) {
  if (!control.id) control.id = uniqueId('field');
  const hintElement = hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  const error = h('p', { class: 'field-error', id: `${control.id}-error`, hidden: true });
  control.setAttribute('aria-describedby', [hintElement?.id, error.id].filter(Boolean).join(' '));
  const element = h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hintElement,
    error,
  );
  return {
    element,
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = message === undefined;
      if (message === undefined) control.removeAttribute('aria-invalid');
      else control.setAttribute('aria-invalid', 'true');
    },
  };
}

/**
 * A page's heading, which receives the focus when the page is shown.
 *
 * @param {string} text
 */
export function heading(text) {
  return h('h1', { tabindex: -1 }, text);
}

/**
 * Lines of a textarea, trimmed, without empty ones.
 *
 * @param {string} text
 */
export function lines(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * A value shown in a cell: strings as they are, anything else as JSON.
 *
 * @param {unknown} value
 */
export function shown(value) {
  if (value === undefined || value === null) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * What an auditor sees instead of a form that writes.
 *
 * @param {string} title
 */
export function readOnlyNotice(title) {
  return h(
    'section',
    {},
    heading(title),
    h('p', {}, 'An auditor credential reads only; sign in as an admin to make changes.'),
  );
}
