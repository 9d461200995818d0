import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One `/token` request, granted or denied. Append-only; ids are time-ordered (UUIDv7). Each row is
 * a link of its writer's hash chain: `rowHash` is SHA-256 over the row and `prevHash`.
 */
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'timestamptz' })
  time!: Date;

  @Column({ name: 'request_id', type: 'text' })
  requestId!: string;

  @Column({ name: 'grant_type', type: 'text', nullable: true })
  grantType!: string | null;

  @Column({ type: 'text' })
  outcome!: 'issued' | 'denied';

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'text', nullable: true })
  platform!: string | null;

  @Column({ type: 'text', nullable: true })
  issuer!: string | null;

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'text', nullable: true })
  policy!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  audience!: string[] | null;

  @Column({ type: 'jsonb', nullable: true })
  scopes!: string[] | null;

  @Column({ name: 'token_id', type: 'text', nullable: true })
  tokenId!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'client_id', type: 'text', nullable: true })
  clientId!: string | null;

  @Column({ name: 'client_ip', type: 'text', nullable: true })
  clientIp!: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  @Column({ name: 'subject_token_sha256', type: 'text', nullable: true })
  subjectTokenSha256!: string | null;

  @Column({ name: 'actor_subject', type: 'text', nullable: true })
  actorSubject!: string | null;

  /** The `sub` of the token issued; `subject` is the credential's. */
  @Column({ name: 'issued_subject', type: 'text', nullable: true })
  issuedSubject!: string | null;

  /** For a refusal at verification: the credential's `iss`, as read, not verified. */
  @Column({ name: 'unverified_issuer', type: 'text', nullable: true })
  unverifiedIssuer!: string | null;

  /** For a refusal at verification: the credential's `sub`, as read, not verified. */
  @Column({ name: 'unverified_subject', type: 'text', nullable: true })
  unverifiedSubject!: string | null;

  /** For a refusal at verification: the credential's `jti`, as read, not verified. */
  @Column({ name: 'unverified_token_id', type: 'text', nullable: true })
  unverifiedTokenId!: string | null;

  @Column({ name: 'chain_id', type: 'uuid', nullable: true })
  chainId!: string | null;

  @Column({ name: 'chain_seq', type: 'bigint', nullable: true })
  chainSeq!: string | null;

  @Column({ name: 'prev_hash', type: 'bytea', nullable: true })
  prevHash!: Buffer | null;

  @Column({ name: 'row_hash', type: 'bytea', nullable: true })
  rowHash!: Buffer | null;
}
