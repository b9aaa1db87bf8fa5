import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One step of one agency's workstream, for the agency × step matrix and inboxes. */
@Entity({ name: 'review_steps' })
export class ReviewStepEntity {
  @PrimaryColumn({ name: 'review_id', type: 'uuid' })
  reviewId!: string;

  @PrimaryColumn({ type: 'text' })
  agency!: string;

  @PrimaryColumn({ name: 'step_id', type: 'text' })
  stepId!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'text' })
  domain!: string;

  @Column({ name: 'risk_level', type: 'text', nullable: true })
  riskLevel!: string | null;

  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'last_seq', type: 'int' })
  lastSeq!: number;
}
