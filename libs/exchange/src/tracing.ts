import { SpanStatusCode, trace, type Span, type SpanOptions } from '@opentelemetry/api';
import { isVerificationError } from '@fedbroker/platforms';
import { ExchangeError } from './exchange.error';

const tracer = trace.getTracer('fedbroker');

/**
 * Runs `fn` in a span, a child of the active one. A throw marks the span failed with the error's
 * code only: messages and reasons may quote what a credential holds.
 */
export function inSpan<T>(
  name: string,
  fn: (span: Span) => T | Promise<T>,
  options: SpanOptions = {},
): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      const code = codeOf(error);
      span.setAttribute('fedbroker.error', code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      throw error;
    } finally {
      span.end();
    }
  });
}

function codeOf(error: unknown): string {
  if (error instanceof ExchangeError) return error.code;
  if (isVerificationError(error)) return error.code;
  return 'internal';
}
