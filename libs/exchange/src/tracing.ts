import {
  context,
  isSpanContextValid,
  SpanStatusCode,
  trace,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';
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
  const span = tracer.startSpan(name, options);
  // Without a tracer provider the span is a no-op without identity: making it active would change
  // nothing its children see, and /token opens five of them per request.
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return untraced(fn, span);
  return traced(fn, span);
}

async function untraced<T>(fn: (span: Span) => T | Promise<T>, span: Span): Promise<T> {
  return fn(span);
}

function traced<T>(fn: (span: Span) => T | Promise<T>, span: Span): Promise<T> {
  return context.with(trace.setSpan(context.active(), span), async () => {
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
