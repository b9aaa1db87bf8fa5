import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A pause of a deadline's clock with its reason code; open while `toAt` is null. */
@Entity({ name: 'review_clock_stops' })
export class ReviewClockStopEntity {
  @PrimaryColumn({ name: 'review_id', type: 'uuid' })
  reviewId!: string;

  @PrimaryColumn({ name: 'deadline_id', type: 'text' })
  deadlineId!: string;

  /** Order of the stop on its deadline (stops have no id of their own). */
  @PrimaryColumn({ type: 'int' })
  position!: number;

  @Column({ name: 'reason_code', type: 'text' })
  reasonCode!: string;

  @Column({ name: 'from_at', type: 'timestamptz' })
  fromAt!: Date;

  @Column({ name: 'to_at', type: 'timestamptz', nullable: true })
  toAt!: Date | null;

  @Column({ name: 'stopped_by', type: 'text' })
  stoppedBy!: string;

  @Column({ name: 'last_seq', type: 'int' })
  lastSeq!: number;
}
