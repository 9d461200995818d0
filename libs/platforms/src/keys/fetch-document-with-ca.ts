import { request } from 'node:https';
import { KeySourceError } from './key-source-error';

/** How to fetch one small document over https, trusting only the given CA bundle. */
export interface FetchDocumentWithCaOptions {
  ca: string;
  timeoutMs: number;
  maxBytes: number;
}

/**
 * GETs an `https` URL with `node:https`, trusting only the PEM certificates in `ca` (global fetch
 * cannot take a CA). Same limits as `fetchDocument`: no redirects, 200 only, size cap, timeout.
 */
export function fetchDocumentWithCa(url: string, options: FetchDocumentWithCaOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ca: options.ca, headers: { accept: 'application/json' } });
    const timer = setTimeout(() => fail(`timed out after ${options.timeoutMs} ms`), options.timeoutMs);
    function fail(message: string, cause?: unknown): void {
      clearTimeout(timer);
      req.destroy();
      reject(new KeySourceError(`GET ${url}: ${message}`, { cause }));
    }
    req.on('error', (error) => fail('request failed', error));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        fail(`HTTP ${res.statusCode ?? 0}`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > options.maxBytes) {
          fail(`response larger than ${options.maxBytes} bytes`);
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', (error) => fail('request failed', error));
    });
    req.end();
  });
}
