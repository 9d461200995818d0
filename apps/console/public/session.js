const KEY = 'fedbroker.console.credential';

/**
 * The credential signed in with, kept in this tab's sessionStorage only: never in a URL or a
 * cookie, gone when the tab closes.
 */
export const session = {
  /** @returns {string | null} */
  credential: () => sessionStorage.getItem(KEY),
  /** @param {string} credential */
  keep: (credential) => sessionStorage.setItem(KEY, credential),
  forget: () => sessionStorage.removeItem(KEY),
};
