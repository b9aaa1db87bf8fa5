import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Read model of one review, projected from its workflow; Temporal stays the system of record. */
@Entity({ name: 'reviews' })
export class ReviewEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'workflow_id', type: 'text' })
  workflowId!: string;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'protocol_key', type: 'text' })
  protocolKey!: string;

  @Column({ name: 'protocol_version', type: 'int' })
  protocolVersion!: number;

  @Column({ name: 'developer_org', type: 'text' })
  developerOrg!: string;

  @Column({ name: 'model_name', type: 'text' })
  modelName!: string;

  @Column({ name: 'model_version', type: 'text' })
  modelVersion!: string;

  @Column({ name: 'planned_release_date', type: 'date' })
  plannedReleaseDate!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'text' })
  stage!: string;

  @Column({ name: 'closure_reason', type: 'text', nullable: true })
  closureReason!: string | null;

  @Column({ type: 'text', nullable: true })
  determination!: string | null;

  @Column({ name: 'lead_agency', type: 'text', nullable: true })
  leadAgency!: string | null;

  @Column({ name: 'next_deadline', type: 'timestamptz', nullable: true })
  nextDeadline!: Date | null;

  @Column({ name: 'escalation_level', type: 'int', nullable: true })
  escalationLevel!: number | null;

  @Column({ name: 'refiled_from', type: 'uuid', nullable: true })
  refiledFrom!: string | null;

  /** Sequence number of the last projected state change; projections only move it forward. */
  @Column({ name: 'last_seq', type: 'int' })
  lastSeq!: number;

  /** The full projected state (workstreams, deadlines, findings, escalations) as of last_seq. */
  @Column({ type: 'jsonb' })
  state!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;
}
