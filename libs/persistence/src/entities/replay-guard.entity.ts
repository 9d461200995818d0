import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A used credential's replay key, kept until the credential expires so it cannot be used twice. */
@Entity({ name: 'replay_guard' })
export class ReplayGuardEntity {
  @PrimaryColumn({ name: 'replay_key', type: 'text' })
  replayKey!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
