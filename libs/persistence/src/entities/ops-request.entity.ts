import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type OpsRequestStatus = 'pending' | 'running' | 'executed' | 'failed' | 'rejected';

/** A repair that needs a second operator's approval before it runs (two-person rule). */
@Entity({ name: 'ops_requests' })
export class OpsRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** `reset`, `skip`, `terminate`, or `batch:<action>` for a batch by visibility query. */
  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'review_id', type: 'uuid', nullable: true })
  reviewId!: string | null;

  /** The visibility query of a batch operation. */
  @Column({ type: 'text', nullable: true })
  query!: string | null;

  @Column({ type: 'jsonb' })
  params!: Record<string, unknown>;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'requested_by', type: 'text' })
  requestedBy!: string;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ type: 'text' })
  status!: OpsRequestStatus;

  @Column({ name: 'approved_by', type: 'text', nullable: true })
  approvedBy!: string | null;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt!: Date | null;

  @Column({ name: 'executed_at', type: 'timestamptz', nullable: true })
  executedAt!: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  result!: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;
}
