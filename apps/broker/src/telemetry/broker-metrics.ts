import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditWriterObserver } from '@fedbroker/audit';
import type { CatalogReload, CatalogSnapshot } from '@fedbroker/catalog';
import type { TokenOutcome } from '@fedbroker/exchange';
import type { KeyFetchReport } from '@fedbroker/platforms';

/** What the gauges read when Prometheus scrapes. */
export interface MetricSources {
  catalog(): CatalogSnapshot;
  auditQueueDepth(): number;
  /** When the key signing now became active; undefined before keys are loaded. */
  signingKeyActiveSince(): Date | undefined;
  now(): Date;
}

/** Label of a request that matched no route: the path itself would make the label set unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';
const UNKNOWN = 'unknown';
const NONE = 'none';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/**
 * The broker's Prometheus metrics, in a registry of its own. Every label set is bounded: routes
 * are route patterns, platforms are registered platform names (else `unknown`), grants and error
 * codes come from closed sets.
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;

  private readonly tokenRequests = new Counter({
    name: 'fedbroker_token_requests_total',
    help: '/token requests by grant, outcome, error code and platform; one per audit event.',
    labelNames: ['grant', 'outcome', 'error', 'platform'] as const,
    registers: [this.registry],
  });
  private readonly tokenDuration = new Histogram({
    name: 'fedbroker_token_request_duration_seconds',
    help: 'Time to answer /token, audit commit included, by grant and outcome.',
    labelNames: ['grant', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'fedbroker_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly auditRows = new Counter({
    name: 'fedbroker_audit_rows_total',
    help: 'Audit events written (committed) or lost to a failed batch (failed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly auditBatchRows = new Histogram({
    name: 'fedbroker_audit_batch_rows',
    help: 'Audit events per committed batch (group commit).',
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  private readonly auditCommitDuration = new Histogram({
    name: 'fedbroker_audit_commit_duration_seconds',
    help: 'Time from sending an audit batch to its commit.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly keyFetches = new Counter({
    name: 'fedbroker_key_fetches_total',
    help: 'Fetches of platform key sources, by platform, source type and result.',
    labelNames: ['platform', 'source', 'result'] as const,
    registers: [this.registry],
  });
  private readonly keyFetchDuration = new Histogram({
    name: 'fedbroker_key_fetch_duration_seconds',
    help: 'Time to fetch a platform key source, by source type.',
    labelNames: ['source'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly catalogReloads = new Counter({
    name: 'fedbroker_catalog_reloads_total',
    help: 'Reloads of platforms and policies from the database, by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly catalogReloadDuration = new Histogram({
    name: 'fedbroker_catalog_reload_duration_seconds',
    help: 'Time to reload platforms and policies (and compile the policies).',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.stateGauge(
      'fedbroker_catalog_version',
      'Version of the platforms and policies in memory.',
      (s) => s.catalog().version,
    );
    this.stateGauge(
      'fedbroker_platforms',
      'Registered platforms in memory.',
      (s) => s.catalog().platforms().length,
    );
    this.stateGauge('fedbroker_policies', 'Compiled trust policies in memory.', (s) =>
      s.catalog().policyCount(),
    );
    this.stateGauge('fedbroker_audit_queue_depth', 'Audit events waiting to be sent.', (s) =>
      s.auditQueueDepth(),
    );
    this.stateGauge(
      'fedbroker_signing_key_age_seconds',
      'Seconds since the key signing new tokens became active.',
      (s) => {
        const since = s.signingKeyActiveSince();
        return since === undefined ? undefined : (s.now().getTime() - since.getTime()) / 1000;
      },
    );
  }

  /** Where the gauges read the broker's state; until then they report nothing. */
  readFrom(sources: MetricSources): void {
    this.sources = sources;
  }

  token(outcome: TokenOutcome, seconds: number): void {
    const grant = outcome.grant ?? UNKNOWN;
    this.tokenRequests.inc({
      grant,
      outcome: outcome.outcome,
      error: outcome.error ?? NONE,
      platform: this.platformLabel(outcome.platform),
    });
    this.tokenDuration.observe({ grant, outcome: outcome.outcome }, seconds);
  }

  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.httpDuration.observe({ route, method, status: String(status) }, seconds);
  }

  readonly audit: AuditWriterObserver = {
    committed: (rows, seconds) => {
      this.auditRows.inc({ result: 'committed' }, rows);
      this.auditBatchRows.observe(rows);
      this.auditCommitDuration.observe(seconds);
    },
    failed: (rows) => this.auditRows.inc({ result: 'failed' }, rows),
    backlogged: () => undefined,
  };

  keyFetch(fetch: KeyFetchReport): void {
    this.keyFetches.inc({
      platform: this.platformLabel(fetch.platform),
      source: fetch.source,
      result: fetch.ok ? 'ok' : 'error',
    });
    this.keyFetchDuration.observe({ source: fetch.source }, fetch.seconds);
  }

  catalogReload(reload: CatalogReload): void {
    this.catalogReloads.inc({ result: reload.ok ? 'ok' : 'error' });
    this.catalogReloadDuration.observe(reload.seconds);
  }

  /** A name only while it is registered: anything else would let callers mint label values. */
  private platformLabel(name: string | undefined): string {
    if (name === undefined) return UNKNOWN;
    return this.sources?.catalog().platformByName(name) === undefined ? UNKNOWN : name;
  }

  private stateGauge(name: string, help: string, read: (sources: MetricSources) => number | undefined): void {
    const sources = (): MetricSources | undefined => this.sources;
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const current = sources();
        const value = current === undefined ? undefined : read(current);
        if (value === undefined) this.reset();
        else this.set(value);
      },
    });
  }
}
