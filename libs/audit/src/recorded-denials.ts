/** How long a denial recorded in place of an unconfirmed issue waits for the request's own denial. */
const TTL_MS = 60_000;

/**
 * The denials the writer stored in place of `issued` events whose commit never happened, by
 * request id, until the request's own denial arrives and is answered with them.
 */
export class RecordedDenials {
  private readonly byRequest = new Map<string, { id: string; at: number }>();

  add(requestId: string, id: string): void {
    const now = performance.now();
    for (const [key, entry] of this.byRequest) {
      if (now - entry.at < TTL_MS) break;
      this.byRequest.delete(key);
    }
    this.byRequest.set(requestId, { id, at: now });
  }

  /** The event id recorded for `requestId`, once. */
  take(requestId: string): string | undefined {
    const entry = this.byRequest.get(requestId);
    this.byRequest.delete(requestId);
    return entry?.id;
  }
}
