import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { PlatformEntity } from './platform.entity';

/** A trust policy: which workloads of one platform get which audiences, scopes and claims. */
@Entity({ name: 'policies' })
export class PolicyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'platform_id', type: 'uuid' })
  platformId!: string;

  @ManyToOne(() => PlatformEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'platform_id' })
  platform?: PlatformEntity;

  @Column({ type: 'text' })
  condition!: string;

  @Column({ name: 'actor_condition', type: 'text', nullable: true })
  actorCondition!: string | null;

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ type: 'jsonb' })
  claims!: Record<string, string>;

  @Column({ type: 'jsonb' })
  audiences!: string[];

  @Column({ type: 'jsonb' })
  scopes!: string[];

  @Column({ name: 'ttl_seconds', type: 'integer' })
  ttlSeconds!: number;

  @Column({ type: 'integer' })
  priority!: number;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** `enforce` grants; `audit` is evaluated and recorded in the audit event, and grants nothing. */
  @Column({ type: 'text', default: 'enforce' })
  mode!: 'enforce' | 'audit';

  /** From this instant on the policy no longer matches. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  /** The test cases run at every save, as the admin API shows them. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  tests!: Record<string, unknown>[];
  @Column({ name: 'one_time_use', type: 'boolean', nullable: true })
  oneTimeUse!: boolean | null;

  @VersionColumn()
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
