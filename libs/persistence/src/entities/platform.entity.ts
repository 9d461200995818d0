import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';

/** A trusted workload platform: an issuer, where its keys come from and what it may assert. */
@Entity({ name: 'platforms' })
export class PlatformEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  issuer!: string;

  @Column({ type: 'jsonb', nullable: true })
  jwks!: { keys: Record<string, unknown>[] } | null;

  @Column({ name: 'jwks_uri', type: 'text', nullable: true })
  jwksUri!: string | null;

  @Column({ name: 'ca_bundle', type: 'text', nullable: true })
  caBundle!: string | null;

  @Column({ type: 'jsonb' })
  audiences!: string[];

  @Column({ name: 'clock_skew_seconds', type: 'integer' })
  clockSkewSeconds!: number;

  @Column({ type: 'jsonb' })
  settings!: Record<string, unknown>;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'one_time_use', type: 'boolean', default: false })
  oneTimeUse!: boolean;

  @VersionColumn()
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
