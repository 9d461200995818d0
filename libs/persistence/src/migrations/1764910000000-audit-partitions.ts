import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit storage that grows gracefully. Events move to `audit_records`, partitioned by day on `time`
 * (UTC; a DEFAULT partition catches anything outside the days created), and stored compactly:
 * repeated strings (platform, subject, policy, issuer, audience, client, user agent, error…) as ids
 * of the `audit_strings` dictionary, the subject token digest as bytea, the outcome as a smallint,
 * request and token ids as uuid when they are one, and no per-row `prev_hash` (it is the `row_hash`
 * of the row before, recomputed by whoever walks a chain). Indexes have fixed-width keys ending in
 * an ascending time, so PostgreSQL fills their pages as it does for appends; request
 * and token ids are found through a 64-bit hash of the id (an index on all rows, not a partial one:
 * ANALYZE keeps statistics of expression indexes only when they are not partial, and without them
 * the planner may prefer walking the whole table in time order).
 *
 * `audit_events` becomes a view with the old columns (and `prev_hash`), on which an INSERT still
 * works. Retention drops whole day partitions through `audit_drop_partitions`, which first records
 * in `audit_chain_anchors` the hash of each dropped row whose successor in its chain is kept, so the
 * chains still verify from the first kept row. Rows, dictionary and anchors are append-only.
 */
export class AuditPartitions1764910000000 implements MigrationInterface {
  name = 'AuditPartitions1764910000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_strings (
        id integer GENERATED ALWAYS AS IDENTITY,
        value text NOT NULL,
        CONSTRAINT pk_audit_strings PRIMARY KEY (id)
      )`);
    await q.query(`CREATE INDEX ix_audit_strings_value ON audit_strings (hashtextextended(value, 0))`);
    await q.query(`
      CREATE FUNCTION audit_string_ids(wanted text[]) RETURNS integer[] LANGUAGE plpgsql AS $$
      DECLARE
        missing text;
      BEGIN
        -- New strings one at a time under a lock on their hash, in one order: a string gets one id
        -- however many writers meet it at once, and no two of them deadlock.
        FOR missing IN
          SELECT DISTINCT w.v FROM unnest(wanted) w(v)
          WHERE w.v IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM audit_strings s
            WHERE hashtextextended(s.value, 0) = hashtextextended(w.v, 0) AND s.value = w.v)
          ORDER BY 1
        LOOP
          PERFORM pg_advisory_xact_lock(1635083369, hashtext(missing));
          INSERT INTO audit_strings (value) SELECT missing WHERE NOT EXISTS (
            SELECT 1 FROM audit_strings s
            WHERE hashtextextended(s.value, 0) = hashtextextended(missing, 0) AND s.value = missing);
        END LOOP;
        RETURN ARRAY(
          SELECT (SELECT s.id FROM audit_strings s
                  WHERE hashtextextended(s.value, 0) = hashtextextended(w.v, 0) AND s.value = w.v
                  ORDER BY s.id LIMIT 1)
          FROM unnest(wanted) WITH ORDINALITY w(v, n) ORDER BY w.n);
      END
      $$`);
    await q.query(`
      CREATE FUNCTION audit_string_id(wanted text) RETURNS integer LANGUAGE sql AS $$
        SELECT (audit_string_ids(ARRAY[wanted]))[1]
      $$`);

    await q.query(`
      CREATE TABLE audit_records (
        time timestamptz NOT NULL,
        chain_seq bigint,
        expires_at timestamptz,
        id uuid NOT NULL,
        request_uuid uuid,
        token_uuid uuid,
        platform integer,
        subject integer,
        policy integer,
        context integer,
        chain integer,
        outcome smallint NOT NULL,
        row_hash bytea,
        subject_token_digest bytea,
        request_text text,
        token_text text,
        subject_token_text text,
        reason text,
        unverified_issuer text,
        unverified_subject text,
        unverified_token_id text,
        CONSTRAINT pk_audit_records PRIMARY KEY (time, id),
        CONSTRAINT ck_audit_records_outcome CHECK (outcome IN (1, 2)),
        CONSTRAINT ck_audit_records_request CHECK (num_nulls(request_uuid, request_text) = 1),
        CONSTRAINT ck_audit_records_chain_all_or_none CHECK (num_nulls(chain, chain_seq, row_hash) IN (0, 3))
      ) PARTITION BY RANGE (time)`);
    await q.query(`
      CREATE FUNCTION audit_second(t timestamptz) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT floor(date_part('epoch', t) - 1577836800)::integer
      $$`);
    await q.query(`CREATE INDEX ix_audit_records_platform ON audit_records (platform, audit_second(time))`);
    await q.query(`CREATE INDEX ix_audit_records_subject ON audit_records (subject, audit_second(time))`);
    await q.query(
      `CREATE INDEX ix_audit_records_policy ON audit_records (policy, audit_second(time)) WHERE policy IS NOT NULL`,
    );
    await q.query(`CREATE INDEX ix_audit_records_denied ON audit_records (time) WHERE outcome = 2`);
    await q.query(`
      CREATE INDEX ix_audit_records_request ON audit_records
        (hashtextextended(coalesce(request_text, request_uuid::text), 0))`);
    await q.query(`
      CREATE INDEX ix_audit_records_token ON audit_records
        (hashtextextended(coalesce(token_text, token_uuid::text), 0))`);
    await q.query(`CREATE INDEX ix_audit_records_unchained ON audit_records (time) WHERE chain IS NULL`);
    await q.query(`CREATE TABLE audit_records_default PARTITION OF audit_records DEFAULT`);

    await q.query(`
      CREATE TABLE audit_chain_anchors (
        chain uuid NOT NULL,
        chain_seq bigint NOT NULL,
        row_hash bytea NOT NULL,
        dropped_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_audit_chain_anchors PRIMARY KEY (chain, chain_seq)
      )`);

    await q.query(`
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    for (const table of ['audit_records', 'audit_strings', 'audit_chain_anchors']) {
      await q.query(`
        CREATE TRIGGER tg_${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION audit_append_only()`);
      await q.query(`
        CREATE TRIGGER tg_${table}_no_truncate BEFORE TRUNCATE ON ${table}
          FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()`);
    }
    await q.query(`
      CREATE TRIGGER tg_audit_records_default_no_truncate BEFORE TRUNCATE ON audit_records_default
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()`);

    await q.query(`
      CREATE FUNCTION audit_partition_name(day date) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT 'audit_records_p' || to_char(day, 'YYYYMMDD')
      $$`);
    await q.query(`
      CREATE FUNCTION audit_create_partitions(first_day date, days integer) RETURNS SETOF text
      LANGUAGE plpgsql AS $$
      DECLARE
        day date;
        part text;
        low timestamptz;
        high timestamptz;
      BEGIN
        FOR day IN SELECT generate_series(first_day, first_day + days - 1, interval '1 day')::date LOOP
          part := audit_partition_name(day);
          low := day::timestamp AT TIME ZONE 'UTC';
          high := (day + 1)::timestamp AT TIME ZONE 'UTC';
          CONTINUE WHEN to_regclass(part) IS NOT NULL;
          -- A day some rows already went to the DEFAULT partition for stays there: rows never move.
          CONTINUE WHEN EXISTS (SELECT 1 FROM audit_records_default WHERE time >= low AND time < high);
          -- Created alone, then attached: attaching does not lock out the writers as creating a
          -- partition in place would.
          EXECUTE format('CREATE TABLE %I (LIKE audit_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
          EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (time >= %L AND time < %L)',
            part, part || '_range', low, high);
          -- Inserts wait until this transaction ends: one already routed to the DEFAULT partition
          -- by the partitions it saw would otherwise fail the DEFAULT's new constraint.
          LOCK TABLE audit_records IN SHARE ROW EXCLUSIVE MODE;
          EXECUTE format('ALTER TABLE audit_records ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
            part, low, high);
          EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_range');
          EXECUTE format('CREATE TRIGGER tg_%s_no_truncate BEFORE TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()', part, part);
          EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM PUBLIC, CURRENT_USER', part);
          RETURN NEXT part;
        END LOOP;
      END
      $$`);
    await q.query(`
      CREATE FUNCTION audit_drop_partitions(before_day date) RETURNS SETOF text LANGUAGE plpgsql AS $$
      DECLARE
        part text;
      BEGIN
        FOR part IN
          SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'audit_records'::regclass AND c.relname ~ '^audit_records_p[0-9]{8}$'
            AND to_date(substr(c.relname, 16), 'YYYYMMDD') < before_day
          ORDER BY c.relname
        LOOP
          -- The last dropped row before each kept one, so its chain verifies from the kept row on.
          EXECUTE format($sql$
            INSERT INTO audit_chain_anchors (chain, chain_seq, row_hash)
            SELECT s.value::uuid, r.chain_seq, r.row_hash
            FROM %I r JOIN audit_strings s ON s.id = r.chain
            WHERE r.chain IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM %I n WHERE n.chain = r.chain AND n.chain_seq = r.chain_seq + 1)
            ON CONFLICT DO NOTHING$sql$, part, part);
          EXECUTE format('ALTER TABLE audit_records DETACH PARTITION %I', part);
          EXECUTE format('DROP TABLE %I', part);
          RETURN NEXT part;
        END LOOP;
      END
      $$`);

    await q.query(`ALTER TABLE audit_events RENAME TO audit_events_before_partitions`);
    await q.query(`
      SELECT audit_create_partitions(day, 1)
      FROM (SELECT DISTINCT (time AT TIME ZONE 'UTC')::date AS day FROM audit_events_before_partitions) d`);
    await q.query(`SELECT audit_create_partitions((now() AT TIME ZONE 'UTC')::date, 8)`);
    await q.query(`
      INSERT INTO audit_strings (value)
      SELECT DISTINCT v FROM audit_events_before_partitions e, LATERAL (VALUES
        (platform), (subject), (policy), (${CONTEXT}), (chain_id::text)) x(v)
      WHERE v IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION audit_string_ref(wanted text) RETURNS integer LANGUAGE sql STABLE AS $$
        SELECT id FROM audit_strings
        WHERE hashtextextended(value, 0) = hashtextextended(wanted, 0) AND value = wanted
        ORDER BY id LIMIT 1
      $$`);
    await q.query(`
      INSERT INTO audit_records (${RECORD_COLUMNS})
      SELECT ${recordValues({})}
      FROM audit_events_before_partitions e`);
    await q.query(`DROP TABLE audit_events_before_partitions`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);

    await q.query(`
      CREATE VIEW audit_events AS
      SELECT r.id, r.time,
        coalesce(r.request_text, r.request_uuid::text) AS request_id,
        ${inContext('grant_type')},
        CASE r.outcome WHEN 1 THEN 'issued' WHEN 2 THEN 'denied' END AS outcome,
        ${inContext('error')}, r.reason,
        ${text('platform')}, ${inContext('issuer')}, ${text('subject')}, ${text('policy')},
        ${inContext('audience', 'jsonb')}, ${inContext('scopes', 'jsonb')},
        coalesce(r.token_text, r.token_uuid::text) AS token_id,
        r.expires_at,
        ${inContext('client_id')}, ${inContext('client_ip')}, ${inContext('user_agent')},
        coalesce(r.subject_token_text, encode(r.subject_token_digest, 'hex')) AS subject_token_sha256,
        ${inContext('actor_subject')},
        (SELECT value::uuid FROM audit_strings WHERE id = r.chain) AS chain_id,
        r.chain_seq,
        CASE WHEN r.chain IS NOT NULL THEN coalesce(
          (SELECT p.row_hash FROM audit_records p
           WHERE p.chain = r.chain AND p.chain_seq = r.chain_seq - 1 LIMIT 1),
          (SELECT a.row_hash FROM audit_chain_anchors a, audit_strings s
           WHERE s.id = r.chain AND a.chain = s.value::uuid AND a.chain_seq = r.chain_seq - 1),
          CASE WHEN r.chain_seq = 1 THEN '\\x${'00'.repeat(32)}'::bytea END)
        END AS prev_hash,
        r.row_hash,
        ${inContext('issued_subject')},
        r.unverified_issuer, r.unverified_subject, r.unverified_token_id
      FROM audit_records r`);
    await q.query(`
      CREATE FUNCTION audit_events_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO audit_records (${RECORD_COLUMNS})
        SELECT ${recordValues(
          Object.fromEntries(
            DICTIONARY_COLUMNS.map(([column, source]) => [column, `audit_string_id(${source})`]),
          ),
        )}
        FROM (SELECT NEW.*) e;
        RETURN NEW;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER tg_audit_events_insert INSTEAD OF INSERT ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_insert()`);
    await q.query(`
      CREATE TRIGGER tg_audit_events_append_only INSTEAD OF UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_records FROM PUBLIC, CURRENT_USER`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_records_default FROM PUBLIC, CURRENT_USER`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_strings FROM PUBLIC, CURRENT_USER`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain_anchors FROM PUBLIC, CURRENT_USER`);
  }

  public down(): Promise<void> {
    return Promise.reject(
      new Error('AuditPartitions1764910000000 cannot be reverted: restore a backup taken before it'),
    );
  }
}

/** The dictionary columns of `audit_records`, with what they hold in the old `audit_events` row `e`. */
/**
 * The columns of an event that repeat together (a workload sends the same grant, audiences, scopes,
 * address and user agent, and gets the same issued subject, time after time), stored as one
 * dictionary string: the JSON array of their texts, in this order (`audience` and `scopes` as the
 * text of their JSON).
 */
const CONTEXT_COLUMNS = [
  'grant_type',
  'issuer',
  'audience',
  'scopes',
  'client_id',
  'client_ip',
  'user_agent',
  'error',
  'actor_subject',
  'issued_subject',
] as const;

/** The context string of an old-shaped row `e` (or its view row). */
const CONTEXT = `to_json(ARRAY[${CONTEXT_COLUMNS.map((c) =>
  c === 'audience' || c === 'scopes' ? `e.${c}::text` : `e.${c}`,
).join(', ')}]::text[])::text`;

const DICTIONARY_COLUMNS = [
  ['platform', 'e.platform'],
  ['subject', 'e.subject'],
  ['policy', 'e.policy'],
  ['context', CONTEXT],
  ['chain', 'e.chain_id::text'],
] as const;

const UUID = `'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`;
const DIGEST = `'^[0-9a-f]{64}$'`;

const RECORD_COLUMNS = [
  'time',
  'chain_seq',
  'expires_at',
  'id',
  'request_uuid',
  'request_text',
  'token_uuid',
  'token_text',
  ...DICTIONARY_COLUMNS.map(([column]) => column),
  'outcome',
  'row_hash',
  'subject_token_digest',
  'subject_token_text',
  'reason',
  'unverified_issuer',
  'unverified_subject',
  'unverified_token_id',
].join(', ');

/** The values of {@link RECORD_COLUMNS} from an old-shaped row `e`, dictionary ids as `ids` gives them. */
function recordValues(ids: Record<string, string>): string {
  return [
    'e.time',
    'e.chain_seq',
    'e.expires_at',
    'e.id',
    `CASE WHEN e.request_id ~ ${UUID} THEN e.request_id::uuid END`,
    `CASE WHEN e.request_id !~ ${UUID} THEN e.request_id END`,
    `CASE WHEN e.token_id ~ ${UUID} THEN e.token_id::uuid END`,
    `CASE WHEN e.token_id !~ ${UUID} THEN e.token_id END`,
    ...DICTIONARY_COLUMNS.map(([column, source]) => ids[column] ?? `audit_string_ref(${source})`),
    `CASE e.outcome WHEN 'issued' THEN 1 WHEN 'denied' THEN 2 END`,
    'e.row_hash',
    `CASE WHEN e.subject_token_sha256 ~ ${DIGEST} THEN decode(e.subject_token_sha256, 'hex') END`,
    `CASE WHEN e.subject_token_sha256 !~ ${DIGEST} THEN e.subject_token_sha256 END`,
    'e.reason',
    'e.unverified_issuer',
    'e.unverified_subject',
    'e.unverified_token_id',
  ].join(', ');
}

function text(column: string): string {
  return `(SELECT value FROM audit_strings WHERE id = r.${column}) AS ${column}`;
}

function inContext(column: (typeof CONTEXT_COLUMNS)[number], type: 'text' | 'jsonb' = 'text'): string {
  const value = `(SELECT value::jsonb ->> ${CONTEXT_COLUMNS.indexOf(column)} FROM audit_strings WHERE id = r.context)`;
  return `${type === 'jsonb' ? `${value}::jsonb` : value} AS ${column}`;
}
