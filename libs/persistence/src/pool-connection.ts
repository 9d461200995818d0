import { Client, type ClientConfig } from 'pg';

/**
 * The client class of every pooled connection: it always listens for 'error'. A connection that
 * drops while checked out emits 'error', which with no listener would end the process. Nothing is
 * lost by ignoring it here: the query that was running is rejected with the same error, and the
 * pool discards a connection that is no longer queryable when it is released.
 */
export class PoolConnection extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}
