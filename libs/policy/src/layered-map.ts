/** Changes held above the base before they are folded into a new base: 1/FOLD_RATIO of its size. */
const FOLD_RATIO = 8;
const FOLD_AT_LEAST = 64;

/**
 * An immutable map of a shared base and the entries changed since: a change copies the changes,
 * not the base, until they grow to a fraction of it and are folded into a new base (so a change
 * costs O(1) amortized, a read two lookups).
 */
export class LayeredMap<V> {
  private constructor(
    private readonly base: ReadonlyMap<string, V>,
    /** Changed entries; `undefined` for a deleted one. */
    private readonly top: ReadonlyMap<string, V | undefined>,
    readonly size: number,
  ) {}

  /** A map holding `entries` (taken over, not copied: the caller no longer changes it). */
  static of<V>(entries: ReadonlyMap<string, V>): LayeredMap<V> {
    return new LayeredMap<V>(entries, new Map<string, V | undefined>(), entries.size);
  }

  get(key: string): V | undefined {
    return this.top.has(key) ? this.top.get(key) : this.base.get(key);
  }

  /** This map with `changes` made: a value sets its key, `undefined` deletes it. */
  with(changes: ReadonlyMap<string, V | undefined>): LayeredMap<V> {
    const top = new Map(this.top);
    let size = this.size;
    for (const [key, value] of changes) {
      const had = this.get(key) !== undefined;
      if (had && value === undefined) size -= 1;
      else if (!had && value !== undefined) size += 1;
      top.set(key, value);
    }
    if (top.size < Math.max(FOLD_AT_LEAST, this.base.size / FOLD_RATIO)) {
      return new LayeredMap<V>(this.base, top, size);
    }
    const base = new Map(this.base);
    for (const [key, value] of top) {
      if (value === undefined) base.delete(key);
      else base.set(key, value);
    }
    return new LayeredMap<V>(base, new Map<string, V | undefined>(), size);
  }
}
