/**
 * What every console response carries. The policy admits only the broker's own scripts, styles,
 * images and API (no inline code, no other origin); `form-action 'none'` keeps a form from ever
 * being submitted natively, so a credential typed into one cannot end up in a URL even if the
 * scripts did not load; Trusted Types make the DOM's HTML sinks refuse strings.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "require-trusted-types-for 'script'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};
