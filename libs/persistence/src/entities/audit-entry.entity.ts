import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Who did what, when and why. Review state changes are keyed by (review, seq) so a retried
 * projection cannot audit the same change twice. */
@Entity({ name: 'audit_log' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ type: 'text' })
  target!: string;

  @Column({ type: 'text', nullable: true })
  justification!: string | null;

  @Column({ name: 'review_id', type: 'uuid', nullable: true })
  reviewId!: string | null;

  @Column({ type: 'int', nullable: true })
  seq!: number | null;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;
}
