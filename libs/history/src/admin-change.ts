/** What an admin write did. */
export type ChangeAction = 'create' | 'update' | 'delete';

/** What an admin write changed. */
export type ChangeResource = 'platform' | 'policy' | 'credential' | 'signing-key';

export const CHANGE_RESOURCES: readonly ChangeResource[] = [
  'platform',
  'policy',
  'credential',
  'signing-key',
];

/** The credential id behind a write, or this for the configured bootstrap credential. */
export const BOOTSTRAP_ACTOR = 'bootstrap';

/** The actor of what the broker does on its own: scheduled and algorithm-switching key rotations. */
export const BROKER_ACTOR = 'broker';

/**
 * One admin write as its writer reports it. `before` and `after` are the resource as the admin API
 * shows it (null when it did not exist); never a secret.
 */
export interface AdminChange {
  actor: string;
  action: ChangeAction;
  resource: ChangeResource;
  name: string;
  /** The resource's version after the write (before it, for a delete); null when unversioned. */
  version: number | null;
  before: object | null;
  after: object | null;
}

/** An admin change as the admin API returns it. */
export interface AdminChangeView extends AdminChange {
  id: string;
  /** ISO 8601, UTC. */
  time: string;
}

/** Filters of the history listing; all optional, combined with AND. */
export interface ChangeFilters {
  resource?: ChangeResource;
  name?: string;
  actor?: string;
  /** Inclusive lower bound on `time`. */
  from?: Date;
  /** Exclusive upper bound on `time`. */
  to?: Date;
  limit?: number;
  cursor?: string;
}

/** One page of the history, newest first; `nextCursor` is null on the last page. */
export interface ChangePage {
  items: AdminChangeView[];
  nextCursor: string | null;
}
