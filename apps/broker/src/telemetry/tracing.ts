import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import type { TraceExporter, TracingSettings } from '@fedbroker/config';

/** A running OpenTelemetry SDK. */
export interface Tracing {
  /** Exports the spans still buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK as the global tracer provider when the settings name an
 * exporter (or the caller hands its own processors, as tests do); otherwise leaves the API a
 * no-op and returns undefined. The exporters read their standard `OTEL_EXPORTER_OTLP_*` variables,
 * and the resource `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
 */
export function startTracing(settings: TracingSettings, processors?: SpanProcessor[]): Tracing | undefined {
  const spanProcessors =
    processors ?? settings.exporters.map((name) => new BatchSpanProcessor(exporterNamed(name)));
  if (spanProcessors.length === 0) return undefined;
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': 'fedbroker' }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors,
  });
  provider.register();
  return { shutdown: () => provider.shutdown() };
}

function exporterNamed(name: TraceExporter): SpanExporter {
  switch (name) {
    case 'otlp':
      return new OTLPTraceExporter();
    case 'console':
      return new ConsoleSpanExporter();
  }
}
