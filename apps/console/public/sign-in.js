import { ApiError, call } from './api.js';
import { field, h, heading } from './dom.js';

/** @typedef {import('./main.js').Principal} Principal */

/**
 * The sign-in form: a credential, checked against `GET /admin/v1/me` before it is kept.
 *
 * @param {{ notice?: string | undefined, signedIn: (credential: string, principal: Principal) => void }} options
 */
export function signInView({ notice, signedIn }) {
  const input = h('input', {
    type: 'password',
    name: 'credential',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const credential = field(
    'Admin or auditor credential',
    input,
    'Kept in this tab only and sent as a bearer header; closing the tab forgets it.',
  );
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { method: 'post', class: 'stack narrow' }, credential.element, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const presented = input.value.trim();
    if (presented === '') {
      credential.setError('Enter a credential.');
      input.focus();
      return;
    }
    submit.disabled = true;
    credential.setError(undefined);
    call('GET', '/admin/v1/me', { credential: presented })
      .then((answer) => signedIn(presented, /** @type {Principal} */ (answer.body)))
      .catch((/** @type {unknown} */ error) => {
        credential.setError(
          error instanceof ApiError && error.status === 401
            ? 'The broker does not know this credential.'
            : `Could not sign in: ${error instanceof Error ? error.message : String(error)}`,
        );
        input.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return h(
    'section',
    { class: 'sign-in' },
    heading('Sign in'),
    notice ? h('p', { role: 'alert', class: 'notice' }, notice) : null,
    form,
  );
}
