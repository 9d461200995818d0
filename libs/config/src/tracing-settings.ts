import { ConfigError } from './config.error';

export const TRACE_EXPORTERS = ['otlp', 'console'] as const;
export type TraceExporter = (typeof TRACE_EXPORTERS)[number];

/**
 * Whether and where spans are exported, from the standard OpenTelemetry variables. The SDK reads
 * the rest of them itself (endpoint, headers, sampler, resource attributes).
 */
export interface TracingSettings {
  /** Empty: tracing is off and the OpenTelemetry API stays a no-op. */
  exporters: readonly TraceExporter[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Off unless asked for: `OTEL_TRACES_EXPORTER` names the exporters (`otlp`, `console`, `none`);
 * unset, an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or `…_TRACES_ENDPOINT`) turns OTLP on.
 * `OTEL_SDK_DISABLED=true` turns everything off.
 */
export function tracingSettings(env: Env): TracingSettings {
  const endpoint =
    endpointOf(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? endpointOf(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  checkProtocol(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
  checkProtocol(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { exporters: [] };
  const named = env.OTEL_TRACES_EXPORTER?.trim();
  if (!named) return { exporters: endpoint === undefined ? [] : ['otlp'] };
  const exporters = new Set<TraceExporter>();
  for (const entry of named.split(',').map((name) => name.trim().toLowerCase())) {
    if (entry === 'none') return { exporters: [] };
    const exporter = TRACE_EXPORTERS.find((candidate) => candidate === entry);
    if (exporter === undefined) {
      throw new ConfigError('OTEL_TRACES_EXPORTER', `must list ${TRACE_EXPORTERS.join(', ')} or none`);
    }
    exporters.add(exporter);
  }
  return { exporters: [...exporters] };
}

function endpointOf(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, 'must be an http(s) URL');
  }
  return raw;
}

/** Only the HTTP exporter is bundled; collectors take JSON on the port and paths of protobuf. */
function checkProtocol(env: Env, name: string): void {
  const raw = env[name]?.trim().toLowerCase();
  if (raw && raw !== 'http/json' && raw !== 'http/protobuf') {
    throw new ConfigError(name, 'must be http/json or http/protobuf (gRPC is not bundled)');
  }
}
