import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A day operators declared non-business (e.g. a shutdown); every open deadline it touches moves. */
@Entity({ name: 'closure_days' })
export class ClosureDayEntity {
  @PrimaryColumn({ type: 'date' })
  date!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
