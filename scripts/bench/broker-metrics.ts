// What a bench broker says of itself on `GET /metrics`: the sums and counts of its histograms, so that
// a scenario can tell the time spent inside the broker from the time its load generator saw.
import type { BenchBroker } from './broker-process';

/** The `_sum` and `_count` of each histogram, summed over its label sets. */
export type HistogramTotals = Map<string, { sum: number; count: number }>;

/** Reads `/metrics` once. */
export async function histogramTotals(broker: BenchBroker): Promise<HistogramTotals> {
  const response = await fetch(`${broker.baseUrl}/metrics`);
  if (!response.ok) throw new Error(`${broker.name}: GET /metrics answered ${response.status}`);
  const totals: HistogramTotals = new Map();
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-z_]+)_(sum|count)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === undefined || match[3] === undefined) continue;
    const entry = totals.get(match[1]) ?? { sum: 0, count: 0 };
    entry[match[2] === 'sum' ? 'sum' : 'count'] += Number(match[3]);
    totals.set(match[1], entry);
  }
  return totals;
}

/** The mean of histogram `name` over what was observed between `before` and `after`, in ms. */
export function meanMsBetween(before: HistogramTotals, after: HistogramTotals, name: string): number {
  const start = before.get(name) ?? { sum: 0, count: 0 };
  const end = after.get(name) ?? { sum: 0, count: 0 };
  const count = end.count - start.count;
  return count > 0 ? ((end.sum - start.sum) / count) * 1000 : Number.NaN;
}
