/** How long a denial recorded in place of an unconfirmed issue waits for the request's own denial. */
const TTL_MS = 60_000;

/**
 * The denials the writer stored in place of `issued` events whose commit never happened, by
 * exchange id, until the exchange's own denial arrives and is answered with them.
 */
export class RecordedDenials {
  private readonly byExchange = new Map<string, { id: string; at: number }>();

  add(exchangeId: string, id: string): void {
    const now = performance.now();
    for (const [key, entry] of this.byExchange) {
      if (now - entry.at < TTL_MS) break;
      this.byExchange.delete(key);
    }
    this.byExchange.set(exchangeId, { id, at: now });
  }

  /** The event id recorded for `exchangeId`, once. */
  take(exchangeId: string): string | undefined {
    const entry = this.byExchange.get(exchangeId);
    this.byExchange.delete(exchangeId);
    return entry?.id;
  }
}
