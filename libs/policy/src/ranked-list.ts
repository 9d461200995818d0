import type { CompiledPolicy } from './compile-policy';
import { byRank } from './evaluate-policies';

/** Policies in rank order (see `byRank`): a strict order, since names are unique. */
export type RankedList = readonly CompiledPolicy[];

/** Where `policy` is or would go in `list`: the first position not ranked above it. */
export function rankPosition(list: RankedList, policy: CompiledPolicy): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byRank(list[middle] as CompiledPolicy, policy) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Changes past which one pass over the list costs less than a search and a move per change. */
const MOVES_AT_MOST = 16;

/**
 * A copy of `list` without `removed` and with `added`, in rank order: a search and a move per
 * change, or for many changes one pass, O(n + k log k).
 */
export function editedList(
  list: RankedList,
  removed: readonly CompiledPolicy[],
  added: readonly CompiledPolicy[],
): CompiledPolicy[] {
  if (removed.length + added.length > MOVES_AT_MOST) {
    const gone = new Set(removed);
    return mergeTwo(
      list.filter((policy) => !gone.has(policy)),
      [...added].sort(byRank),
    );
  }
  const result = list.slice();
  for (const policy of removed) {
    const at = rankPosition(result, policy);
    if (result[at] === policy) result.splice(at, 1);
  }
  for (const policy of added) result.splice(rankPosition(result, policy), 0, policy);
  return result;
}

/**
 * Ranked lists merged into one ranked list, a policy found in several lists kept once: each pair
 * merged in turn, so that a merge costs O(m log k) comparisons for m policies in k lists.
 */
export function mergeRanked(lists: readonly RankedList[]): RankedList {
  const nonEmpty = lists.filter((list) => list.length > 0);
  if (nonEmpty.length === 0) return [];
  let round: RankedList[] = nonEmpty;
  while (round.length > 1) {
    const next: RankedList[] = [];
    for (let i = 0; i < round.length; i += 2) {
      const second = round[i + 1];
      next.push(second === undefined ? (round[i] as RankedList) : mergeTwo(round[i] as RankedList, second));
    }
    round = next;
  }
  return round[0] as RankedList;
}

function mergeTwo(a: RankedList, b: RankedList): CompiledPolicy[] {
  const merged: CompiledPolicy[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as CompiledPolicy;
    const y = b[j] as CompiledPolicy;
    if (x === y) {
      merged.push(x);
      i += 1;
      j += 1;
    } else if (byRank(x, y) < 0) {
      merged.push(x);
      i += 1;
    } else {
      merged.push(y);
      j += 1;
    }
  }
  while (i < a.length) merged.push(a[i++] as CompiledPolicy);
  while (j < b.length) merged.push(b[j++] as CompiledPolicy);
  return merged;
}
