import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Who did what, when and why: append-only (the application's database role may not update or
 * delete it) and hash-chained: `position` orders the chain, `hash` covers the entry and
 * `prev_hash`. Review state changes are keyed by (review, seq) so a retried projection cannot
 * audit the same change twice. Written only through `appendAudit`.
 */
@Entity({ name: 'audit_log' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text', nullable: true })
  role!: string | null;

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

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;

  /** Place in the chain; null for entries written with the chain off or before it existed. */
  @Column({ type: 'bigint', nullable: true })
  position!: string | null;

  @Column({ name: 'prev_hash', type: 'text', nullable: true })
  prevHash!: string | null;

  @Column({ type: 'text', nullable: true })
  hash!: string | null;
}
