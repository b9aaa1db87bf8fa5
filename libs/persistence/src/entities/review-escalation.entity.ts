import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An escalation on the ladder: its level, its clock and who acknowledged it. */
@Entity({ name: 'review_escalations' })
export class ReviewEscalationEntity {
  @PrimaryColumn({ name: 'review_id', type: 'uuid' })
  reviewId!: string;

  @PrimaryColumn({ name: 'escalation_id', type: 'text' })
  escalationId!: string;

  @Column({ type: 'int' })
  position!: number;

  @Column({ type: 'text' })
  trigger!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'int' })
  level!: number;

  @Column({ name: 'level_name', type: 'text' })
  levelName!: string;

  @Column({ name: 'raised_at', type: 'timestamptz' })
  raisedAt!: Date;

  /** When it climbs to the next level unless acknowledged. */
  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt!: Date | null;

  @Column({ type: 'text' })
  status!: string;

  @Column({ name: 'acknowledged_by', type: 'text', nullable: true })
  acknowledgedBy!: string | null;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  /** Every level it reached: `{ level, atMs, by }`. */
  @Column({ type: 'jsonb' })
  history!: { level: number; atMs: number; by: string }[];

  @Column({ name: 'last_seq', type: 'int' })
  lastSeq!: number;
}
