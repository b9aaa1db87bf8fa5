import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One agency's workstream in a review (its child workflow), in protocol order. */
@Entity({ name: 'review_workstreams' })
export class ReviewWorkstreamEntity {
  @PrimaryColumn({ name: 'review_id', type: 'uuid' })
  reviewId!: string;

  @PrimaryColumn({ type: 'text' })
  agency!: string;

  /** Order of the workstream in the review, as the protocol lists it. */
  @Column({ type: 'int' })
  position!: number;

  @Column({ type: 'text' })
  role!: string;

  @Column({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @Column({ type: 'text' })
  status!: string;

  /** The review state change these rows were projected from (all child rows share it). */
  @Column({ name: 'last_seq', type: 'int' })
  lastSeq!: number;
}
