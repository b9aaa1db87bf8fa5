import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An automated step kind an agency worker registered (kind, version, schemas). */
@Entity({ name: 'step_types' })
export class StepTypeEntity {
  @PrimaryColumn({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  agency!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'input_schema', type: 'jsonb', nullable: true })
  inputSchema!: Record<string, unknown> | null;

  @Column({ name: 'output_schema', type: 'jsonb', nullable: true })
  outputSchema!: Record<string, unknown> | null;

  @Column({ name: 'worker_identity', type: 'text' })
  workerIdentity!: string;

  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt!: Date;

  @Column({ name: 'last_registered_at', type: 'timestamptz' })
  lastRegisteredAt!: Date;
}
