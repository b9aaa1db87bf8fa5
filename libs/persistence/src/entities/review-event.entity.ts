import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The timeline: one row per state change of a review, keyed by review and sequence number. */
@Entity({ name: 'review_events' })
export class ReviewEventEntity {
  @PrimaryColumn({ name: 'review_id', type: 'uuid' })
  reviewId!: string;

  @PrimaryColumn({ type: 'int' })
  seq!: number;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'jsonb' })
  details!: Record<string, unknown>;
}
