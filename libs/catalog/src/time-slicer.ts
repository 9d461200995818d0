/** Synchronous work a load does between two turns of the event loop, in milliseconds. */
export const SLICE_MS = 8;

/**
 * Cuts long synchronous work into slices: {@link pause} yields to the event loop (`setImmediate`,
 * so pending I/O such as `/token` requests runs first) once a slice's time has run out.
 */
export class TimeSlicer {
  private sliceStart = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}
