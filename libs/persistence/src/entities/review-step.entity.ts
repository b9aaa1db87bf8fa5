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

  /** Order of the step within its workstream. */
  @Column({ type: 'int' })
  position!: number;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'text' })
  domain!: string;

  @Column({ name: 'depends_on', type: 'text', array: true })
  dependsOn!: string[];

  /** The finding's risk level, copied here so inboxes need no join. */
  @Column({ name: 'risk_level', type: 'text', nullable: true })
  riskLevel!: string | null;

  /** Due date of the step's own deadline (`step:<agency>:<stepId>`), when it has one. */
  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt!: Date | null;

  @Column({ name: 'opened_at', type: 'timestamptz', nullable: true })
  openedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  failure!: string | null;

  @Column({ type: 'int', nullable: true })
  attempts!: number | null;

  /** An automated step no agency worker picked up in time. */
  @Column({ type: 'boolean' })
  stalled!: boolean;

  @Column({ name: 'last_seq', type: 'int' })
  lastSeq!: number;
}
