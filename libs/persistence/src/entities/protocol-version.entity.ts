import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A protocol version: drafts may change, published versions never do. */
@Entity({ name: 'protocol_versions' })
export class ProtocolVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'text' })
  status!: 'draft' | 'published';

  @Column({ type: 'jsonb' })
  definition!: Record<string, unknown>;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
