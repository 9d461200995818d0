import { setTimeout as sleep } from 'node:timers/promises';

/** One `GET /readyz`: when it was asked (`performance.now()`), its status (0: no answer), how long it took. */
export interface ReadinessProbe {
  at: number;
  status: number;
  ms: number;
}

/** Polls `/readyz` every `intervalMs` until stopped. */
export function watchReadiness(url: string, intervalMs = 100): { stop(): Promise<ReadinessProbe[]> } {
  const probes: ReadinessProbe[] = [];
  let stopped = false;
  const polling = (async () => {
    while (!stopped) {
      const at = performance.now();
      const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(20_000) }).then(
        (response) => response.status,
        () => 0,
      );
      probes.push({ at, status, ms: performance.now() - at });
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await polling;
      return probes;
    },
  };
}
