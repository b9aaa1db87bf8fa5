import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A request to extend a deadline, with its justification and the decision on the record. */
@Entity({ name: 'review_extensions' })
export class ReviewExtensionEntity {
  @PrimaryColumn({ name: 'review_id', type: 'uuid' })
  reviewId!: string;

  @PrimaryColumn({ name: 'deadline_id', type: 'text' })
  deadlineId!: string;

  @PrimaryColumn({ name: 'extension_id', type: 'text' })
  extensionId!: string;

  @Column({ type: 'int' })
  position!: number;

  @Column({ type: 'jsonb' })
  clock!: Record<string, unknown>;

  @Column({ type: 'text' })
  justification!: string;

  @Column({ name: 'requested_by', type: 'text' })
  requestedBy!: string;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ type: 'text' })
  status!: string;

  @Column({ name: 'decided_by', type: 'text', nullable: true })
  decidedBy!: string | null;

  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason!: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ name: 'last_seq', type: 'int' })
  lastSeq!: number;
}
