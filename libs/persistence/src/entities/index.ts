import { AgencyEntity } from './agency.entity';
import { AuditEntryEntity } from './audit-entry.entity';
import { ClosureDayEntity } from './closure-day.entity';
import { ProtocolVersionEntity } from './protocol-version.entity';
import { ReviewEventEntity } from './review-event.entity';
import { ReviewStepEntity } from './review-step.entity';
import { ReviewEntity } from './review.entity';
import { StepTypeEntity } from './step-type.entity';

export {
  AgencyEntity,
  AuditEntryEntity,
  ClosureDayEntity,
  ProtocolVersionEntity,
  ReviewEventEntity,
  ReviewStepEntity,
  ReviewEntity,
  StepTypeEntity,
};

export const ENTITIES = [
  AgencyEntity,
  AuditEntryEntity,
  ClosureDayEntity,
  ProtocolVersionEntity,
  ReviewEventEntity,
  ReviewStepEntity,
  ReviewEntity,
  StepTypeEntity,
];
