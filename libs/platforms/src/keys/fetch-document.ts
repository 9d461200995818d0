import { KeySourceError } from './key-source-error';

/** How to fetch one small document. */
export interface FetchDocumentOptions {
  fetch: typeof fetch;
  timeoutMs: number;
  maxBytes: number;
}

async function readCapped(response: Response, maxBytes: number, url: string): Promise<string> {
  if (response.body === null) {
    return '';
  }
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body.cancel();
    throw new KeySourceError(`GET ${url}: response larger than ${maxBytes} bytes`);
  }
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new KeySourceError(`GET ${url}: response larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GETs `url` with `fetch`, refusing redirects, non-200 answers, answers over `maxBytes` and
 * answers slower than `timeoutMs`, and returns the body as text.
 */
export async function fetchDocument(url: string, options: FetchDocumentOptions): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const response = await options.fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: controller.signal,
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new KeySourceError(`GET ${url}: HTTP ${response.status}`);
    }
    return await readCapped(response, options.maxBytes, url);
  } catch (error) {
    if (error instanceof KeySourceError) {
      throw error;
    }
    const reason = controller.signal.aborted ? `timed out after ${options.timeoutMs} ms` : 'request failed';
    throw new KeySourceError(`GET ${url}: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
