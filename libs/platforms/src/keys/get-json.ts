import { fetchDocument } from './fetch-document';
import { fetchDocumentWithCa } from './fetch-document-with-ca';
import { KeySourceError } from './key-source-error';
import { forbiddenHostReason } from './host-addresses';
import { urlProblem } from './url-policy';

/** Limits and transport for fetching a platform's discovery and key documents. */
export interface KeyFetchOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  maxBytes: number;
  allowHttp: boolean;
  /** Fetch from private networks (link-local and metadata addresses are refused regardless). */
  allowPrivateNetworks: boolean;
}

/**
 * GETs a JSON document: refuses a URL the URL policy refuses, trusts `caBundle` (instead of the
 * system roots) for https URLs when given, and parses the body.
 */
export async function getJson(
  url: string,
  caBundle: string | undefined,
  options: KeyFetchOptions,
): Promise<unknown> {
  const problem = urlProblem(url, options.allowHttp);
  if (problem !== undefined) {
    throw new KeySourceError(`${url}: ${problem}`);
  }
  const forbidden = await forbiddenHostReason(url, options.allowPrivateNetworks);
  if (forbidden !== undefined) {
    throw new KeySourceError(`${url}: ${forbidden}`);
  }
  const text =
    caBundle !== undefined && caBundle !== '' && url.startsWith('https:')
      ? await fetchDocumentWithCa(url, {
          ca: caBundle,
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
