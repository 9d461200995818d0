import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE platforms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        kind text NOT NULL,
        issuer text NOT NULL,
        jwks jsonb,
        jwks_uri text,
        ca_bundle text,
        audiences jsonb NOT NULL,
        clock_skew_seconds integer NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}',
        enabled boolean NOT NULL DEFAULT true,
        version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_platforms_name UNIQUE (name),
        CONSTRAINT uq_platforms_issuer UNIQUE (issuer)
      )`);
    await q.query(`
      CREATE TABLE policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        platform_id uuid NOT NULL,
        condition text NOT NULL,
        subject text,
        claims jsonb NOT NULL DEFAULT '{}',
        audiences jsonb NOT NULL,
        scopes jsonb NOT NULL,
        ttl_seconds integer NOT NULL,
        priority integer NOT NULL DEFAULT 0,
        enabled boolean NOT NULL DEFAULT true,
        version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_policies_name UNIQUE (name),
        CONSTRAINT fk_policies_platform FOREIGN KEY (platform_id) REFERENCES platforms (id) ON DELETE RESTRICT
      )`);
    await q.query(`CREATE INDEX ix_policies_platform_id ON policies (platform_id)`);
    await q.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        alg text NOT NULL,
        public_jwk jsonb NOT NULL,
        private_key_wrapped bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        retired_at timestamptz,
        publish_until timestamptz
      )`);
    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        time timestamptz NOT NULL,
        request_id text NOT NULL,
        grant_type text,
        outcome text NOT NULL,
        error text,
        reason text,
        platform text,
        issuer text,
        subject text,
        policy text,
        audience jsonb,
        scopes jsonb,
        token_id text,
        expires_at timestamptz,
        client_id text,
        client_ip text,
        user_agent text,
        subject_token_sha256 text,
        actor_subject text,
        CONSTRAINT ck_audit_events_outcome CHECK (outcome IN ('issued', 'denied'))
      )`);
    await q.query(`CREATE INDEX ix_audit_events_time ON audit_events (time DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_audit_events_platform_time ON audit_events (platform, time DESC)`);
    await q.query(`CREATE INDEX ix_audit_events_subject_time ON audit_events (subject, time DESC)`);
    await q.query(`CREATE INDEX ix_audit_events_policy_time ON audit_events (policy, time DESC)`);
    await q.query(`
      CREATE TABLE replay_guard (
        issuer text NOT NULL,
        jti text NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT pk_replay_guard PRIMARY KEY (issuer, jti)
      )`);
    await q.query(`CREATE INDEX ix_replay_guard_expires_at ON replay_guard (expires_at)`);
    await q.query(`
      CREATE TABLE admin_credentials (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        token_sha256 text NOT NULL,
        role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_admin_credentials_name UNIQUE (name),
        CONSTRAINT uq_admin_credentials_token_sha256 UNIQUE (token_sha256)
      )`);
    await q.query(`
      CREATE TABLE catalog_state (
        id smallint PRIMARY KEY DEFAULT 1,
        version bigint NOT NULL DEFAULT 0,
        CONSTRAINT ck_catalog_state_single_row CHECK (id = 1)
      )`);
    await q.query(`INSERT INTO catalog_state (id, version) VALUES (1, 0)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'catalog_state',
      'admin_credentials',
      'replay_guard',
      'audit_events',
      'signing_keys',
      'policies',
      'platforms',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
