import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The finding an agency recorded for one step (at most one per step). */
@Entity({ name: 'review_findings' })
export class ReviewFindingEntity {
  @PrimaryColumn({ name: 'review_id', type: 'uuid' })
  reviewId!: string;

  @PrimaryColumn({ type: 'text' })
  agency!: string;

  @PrimaryColumn({ name: 'step_id', type: 'text' })
  stepId!: string;

  @Column({ type: 'text' })
  domain!: string;

  @Column({ name: 'risk_level', type: 'text' })
  riskLevel!: string;

  @Column({ type: 'text' })
  summary!: string;

  @Column({ type: 'text', nullable: true })
  rationale!: string | null;

  @Column({ type: 'text' })
  marking!: string;

  /** For classified findings: where the content is, never the content. */
  @Column({ type: 'text', nullable: true })
  reference!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  metrics!: Record<string, number> | null;

  /** Artifact metadata (name, marking, type, size, digest, reference); inline content is not copied. */
  @Column({ type: 'jsonb' })
  artifacts!: Record<string, unknown>[];

  @Column({ name: 'submitted_by', type: 'text' })
  submittedBy!: string;

  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt!: Date;

  @Column({ name: 'last_seq', type: 'int' })
  lastSeq!: number;
}
