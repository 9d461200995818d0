import { ApiError } from './api.js';
import { h } from './dom.js';

/** @typedef {import('./api.js').FieldProblem} FieldProblem */
/** @typedef {import('./dom.js').Field} Field */

/**
 * The form field a problem is about: the field of that API name, or of the nearest enclosing one
 * (`claims.ns` goes to `claims` when there is no `claims.ns`).
 *
 * @param {Record<string, Field>} fields
 * @param {string} name
 * @returns {Field | undefined}
 */
function fieldFor(fields, name) {
  for (let candidate = name; candidate !== ''; candidate = candidate.split('.').slice(0, -1).join('.')) {
    const found = fields[candidate];
    if (found) return found;
  }
  return undefined;
}

/**
 * Puts each problem beside its field and returns those that have none.
 *
 * @param {FieldProblem[]} problems
 * @param {Record<string, Field>} fields
 * @returns {FieldProblem[]}
 */
export function placeProblems(problems, fields) {
  /** @type {Map<Field, string[]>} */
  const messages = new Map();
  /** @type {FieldProblem[]} */
  const unplaced = [];
  for (const problem of problems) {
    const target = fieldFor(fields, problem.field);
    if (!target) {
      unplaced.push(problem);
      continue;
    }
    const prefix = fields[problem.field] === target ? '' : `${problem.field}: `;
    messages.set(target, [...(messages.get(target) ?? []), `${prefix}${problem.message}`]);
  }
  for (const target of Object.values(fields)) target.setError(messages.get(target)?.join(' — '));
  return unplaced;
}

/**
 * Shows a refusal of the broker in `box` (a live alert): its detail, and its field problems beside
 * their fields (the others listed in the box).
 *
 * @param {HTMLElement} box
 * @param {unknown} error
 * @param {Record<string, Field>} [fields]
 */
export function showRefusal(box, error, fields = {}) {
  const problems = error instanceof ApiError ? (error.problem.errors ?? []) : [];
  const unplaced = placeProblems(problems, fields);
  const conflicts = error instanceof ApiError ? (error.problem.conflicts ?? []) : [];
  box.replaceChildren(h('p', {}, error instanceof Error ? error.message : String(error)));
  if (unplaced.length > 0)
    box.append(h('ul', {}, ...unplaced.map((p) => h('li', {}, `${p.field}: ${p.message}`))));
  if (conflicts.length > 0) {
    box.append(h('p', {}, `In conflict with: ${conflicts.map((c) => `${c.resource} ${c.name}`).join(', ')}`));
  }
  box.hidden = false;
}

/**
 * @param {HTMLElement} box
 * @param {Record<string, Field>} [fields]
 */
export function clearRefusal(box, fields = {}) {
  box.replaceChildren();
  box.hidden = true;
  placeProblems([], fields);
}

/** An empty alert box for {@link showRefusal}. */
export function refusalBox() {
  return h('div', { class: 'refusal', role: 'alert', tabindex: -1, hidden: true });
}
