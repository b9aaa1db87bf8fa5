import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'agencies' })
export class AgencyEntity {
  @PrimaryColumn({ type: 'text' })
  code!: string;

  @Column({ type: 'text' })
  name!: string;
}
