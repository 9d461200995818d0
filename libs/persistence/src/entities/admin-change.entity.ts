import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One admin write, recorded in the write's own transaction. Append-only; ids are time-ordered (UUIDv7). */
@Entity({ name: 'admin_changes' })
export class AdminChangeEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'timestamptz' })
  time!: Date;

  /** The credential id, or `bootstrap` for the configured bootstrap credential. */
  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  action!: 'create' | 'update' | 'delete';

  @Column({ type: 'text' })
  resource!: 'platform' | 'policy' | 'credential' | 'signing-key';

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'integer', nullable: true })
  version!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  before!: object | null;

  @Column({ type: 'jsonb', nullable: true })
  after!: object | null;
}
