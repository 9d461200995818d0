import type { PlatformConfig } from '../platform-config';
import { fetchDocument } from './fetch-document';
import { fetchDocumentWithCa } from './fetch-document-with-ca';
import { KeySourceError } from './key-source-error';
import { urlProblem } from './url-policy';

/** Limits and transport for fetching a platform's discovery and key documents. */
export interface KeyFetchOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  maxBytes: number;
  allowHttp: boolean;
}

/**
 * GETs a JSON document for `platform`: refuses a URL the URL policy refuses, uses the platform's
 * CA bundle for https URLs when it has one, and parses the body.
 */
export async function getJson(
  url: string,
  platform: PlatformConfig,
  options: KeyFetchOptions,
): Promise<unknown> {
  const problem = urlProblem(url, options.allowHttp);
  if (problem !== undefined) {
    throw new KeySourceError(`${url}: ${problem}`);
  }
  const text =
    platform.caBundle !== undefined && platform.caBundle !== '' && url.startsWith('https:')
      ? await fetchDocumentWithCa(url, {
          ca: platform.caBundle,
          timeoutMs: options.timeoutMs,
          maxBytes: options.maxBytes,
        })
      : await fetchDocument(url, options);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new KeySourceError(`GET ${url}: response is not JSON`, { cause });
  }
}
