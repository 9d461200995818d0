import { call, whenCredentialRejected } from './api.js';
import { h } from './dom.js';
import { auditView } from './audit.js';
import { explainView } from './explain.js';
import { platformView } from './platform.js';
import { newPlatformView } from './platform-new.js';
import { platformsView } from './platforms.js';
import { policiesView } from './policies.js';
import { policyEditorView } from './policy-editor.js';
import { session } from './session.js';
import { signInView } from './sign-in.js';

/** @typedef {{ actor: string, role: 'admin' | 'auditor' }} Principal */
/**
 * @typedef {object} ViewContext
 * @property {Principal} principal who is signed in
 * @property {string[]} params the route's parameters
 * @property {AbortSignal} signal aborted when the page is left: stop polling, drop answers
 * @property {(hash: string) => void} navigate
 * @property {(message: string) => void} announce says `message` to assistive technology
 */
/** @typedef {(context: ViewContext) => Promise<Node> | Node} View */

/** @type {[RegExp, View][]} */
const ROUTES = [
  [/^#\/platforms$/, platformsView],
  [/^#\/platforms\/new$/, newPlatformView],
  [/^#\/platforms\/([a-z0-9-]+)$/, platformView],
  [/^#\/policies$/, policiesView],
  [/^#\/policies\/new$/, policyEditorView],
  [/^#\/policies\/([a-z0-9-]+)$/, policyEditorView],
  [/^#\/explain$/, explainView],
  [/^#\/audit$/, auditView],
];
const HOME = '#/platforms';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const sections = /** @type {HTMLElement} */ (document.getElementById('sections'));
const who = /** @type {HTMLElement} */ (document.getElementById('who'));
const whoRole = /** @type {HTMLElement} */ (document.getElementById('who-role'));
const announcer = /** @type {HTMLElement} */ (document.getElementById('announcer'));

/** @type {Principal | undefined} */
let principal;
let page = new AbortController();

/** @param {string} message */
function announce(message) {
  announcer.textContent = '';
  requestAnimationFrame(() => {
    announcer.textContent = message;
  });
}

/** @param {string} hash */
function navigate(hash) {
  if (location.hash === hash) void render();
  else location.hash = hash;
}

/** @param {Principal | undefined} signedIn */
function showPrincipal(signedIn) {
  principal = signedIn;
  sections.hidden = signedIn === undefined;
  who.hidden = signedIn === undefined;
  whoRole.textContent = signedIn ? `Signed in as ${signedIn.role} (${signedIn.actor})` : '';
  document.body.dataset.role = signedIn?.role ?? '';
}

/** @returns {Promise<Principal | undefined>} */
async function whoAmI() {
  if (principal) return principal;
  if (!session.credential()) return undefined;
  try {
    return /** @type {Principal} */ ((await call('GET', '/admin/v1/me')).body);
  } catch {
    session.forget();
    return undefined;
  }
}

/**
 * Forgets the credential. Asked by the broker (`notice`), the page stays where it was, to come back
 * to once signed in again; asked by the user, the next one starts from the first page.
 *
 * @param {string} [notice] why the credential is asked for again
 */
function signOut(notice) {
  session.forget();
  showPrincipal(undefined);
  if (notice === undefined && location.hash !== HOME) location.hash = HOME;
  else void render(notice);
}

/** @param {string} [notice] */
async function render(notice) {
  page.abort();
  page = new AbortController();
  const { signal } = page;
  const signedIn = await whoAmI();
  if (signal.aborted) return;
  showPrincipal(signedIn);
  if (!signedIn) {
    show(
      signInView({
        notice,
        signedIn: (credential, answer) => {
          session.keep(credential);
          showPrincipal(answer);
          if (location.hash.startsWith('#/')) void render();
          else location.hash = HOME;
        },
      }),
    );
    return;
  }
  const route = ROUTES.find(([pattern]) => pattern.test(location.hash));
  if (!route) {
    location.replace(HOME);
    return;
  }
  const [pattern, view] = route;
  const params = (pattern.exec(location.hash) ?? []).slice(1);
  markCurrentSection();
  main.setAttribute('aria-busy', 'true');
  try {
    const content = await view({ principal: signedIn, params, signal, navigate, announce });
    if (!signal.aborted) show(content);
  } catch (error) {
    if (!signal.aborted) show(failure(error));
  } finally {
    if (!signal.aborted) main.removeAttribute('aria-busy');
  }
}

/** @param {Node} content */
function show(content) {
  main.replaceChildren(content);
  main.querySelector('h1')?.focus();
}

function markCurrentSection() {
  for (const link of sections.querySelectorAll('a')) {
    const current = location.hash.startsWith(/** @type {string} */ (link.getAttribute('href')));
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** @param {unknown} error */
function failure(error) {
  return h(
    'section',
    {},
    h('h1', { tabindex: -1 }, 'Something went wrong'),
    h('p', { role: 'alert' }, error instanceof Error ? error.message : String(error)),
  );
}

whenCredentialRejected(() => signOut('The broker no longer accepts this credential. Sign in again.'));
/** @type {HTMLButtonElement} */ (document.getElementById('sign-out')).addEventListener('click', () =>
  signOut(),
);
window.addEventListener('hashchange', () => void render());
void render();
