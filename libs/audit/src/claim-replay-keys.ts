import type { PoolClient } from 'pg';
import type { ReplayGuardClaim } from './audit.types';

const CLAIM_SQL =
  'INSERT INTO replay_guard (replay_key, expires_at) ' +
  'SELECT * FROM unnest($1::text[], $2::timestamptz[]) ON CONFLICT (replay_key) DO NOTHING ' +
  'RETURNING replay_key';

/**
 * Records the replay keys of a batch, inside its transaction, and answers the positions whose key
 * was already recorded: by an earlier request, on any replica, or earlier in this very batch. A
 * concurrent transaction holding the same key makes the INSERT wait for its outcome, so two
 * replicas cannot both win one key.
 */
export async function claimReplayKeys(
  client: PoolClient,
  claims: readonly (ReplayGuardClaim | undefined)[],
): Promise<Set<number>> {
  const wanted = claims.flatMap((claim, index) => (claim === undefined ? [] : [{ claim, index }]));
  const lost = new Set<number>();
  if (wanted.length === 0) return lost;
  const { rows } = await client.query<{ replay_key: string }>(CLAIM_SQL, [
    wanted.map(({ claim }) => claim.key),
    wanted.map(({ claim }) => claim.expiresAt.toISOString()),
  ]);
  const won = new Set(rows.map((row) => row.replay_key));
  for (const { claim, index } of wanted) {
    if (won.has(claim.key)) won.delete(claim.key);
    else lost.add(index);
  }
  return lost;
}
