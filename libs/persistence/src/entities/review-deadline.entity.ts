import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A clock of a review: a stage, a step or an information request, with its due date. */
@Entity({ name: 'review_deadlines' })
export class ReviewDeadlineEntity {
  @PrimaryColumn({ name: 'review_id', type: 'uuid' })
  reviewId!: string;

  @PrimaryColumn({ name: 'deadline_id', type: 'text' })
  deadlineId!: string;

  @Column({ type: 'int' })
  position!: number;

  @Column({ type: 'text' })
  label!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text', nullable: true })
  agency!: string | null;

  @Column({ name: 'step_id', type: 'text', nullable: true })
  stepId!: string | null;

  /** The legal basis the clock counts from. */
  @Column({ name: 'basis_at', type: 'timestamptz' })
  basisAt!: Date;

  @Column({ type: 'jsonb' })
  clock!: Record<string, unknown>;

  @Column({ name: 'cap_at', type: 'timestamptz', nullable: true })
  capAt!: Date | null;

  /** Null while the deadline has no due date yet (its clock has not started). */
  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt!: Date | null;

  @Column({ type: 'text' })
  status!: string;

  @Column({ name: 'reminded_at', type: 'timestamptz', nullable: true })
  remindedAt!: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ name: 'last_seq', type: 'int' })
  lastSeq!: number;
}
