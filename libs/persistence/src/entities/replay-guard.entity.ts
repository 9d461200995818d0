import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A presented credential's (issuer, jti), kept until it expires so it cannot be used twice. */
@Entity({ name: 'replay_guard' })
export class ReplayGuardEntity {
  @PrimaryColumn({ type: 'text' })
  issuer!: string;

  @PrimaryColumn({ type: 'text' })
  jti!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
