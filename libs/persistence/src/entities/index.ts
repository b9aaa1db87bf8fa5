import { AgencyEntity } from './agency.entity';
import { AuditEntryEntity } from './audit-entry.entity';
import { ClosureDayEntity } from './closure-day.entity';
import { OpsRequestEntity } from './ops-request.entity';
import { ProtocolVersionEntity } from './protocol-version.entity';
import { ReviewClockStopEntity } from './review-clock-stop.entity';
import { ReviewDeadlineEntity } from './review-deadline.entity';
import { ReviewEscalationEntity } from './review-escalation.entity';
import { ReviewEventEntity } from './review-event.entity';
import { ReviewExtensionEntity } from './review-extension.entity';
import { ReviewFindingEntity } from './review-finding.entity';
import { ReviewStepEntity } from './review-step.entity';
import { ReviewWorkstreamEntity } from './review-workstream.entity';
import { ReviewEntity } from './review.entity';
import { StepTypeEntity } from './step-type.entity';

export type { ReviewChildRows } from './review-child-rows';

export {
  AgencyEntity,
  AuditEntryEntity,
  ClosureDayEntity,
  OpsRequestEntity,
  ProtocolVersionEntity,
  ReviewClockStopEntity,
  ReviewDeadlineEntity,
  ReviewEscalationEntity,
  ReviewEventEntity,
  ReviewExtensionEntity,
  ReviewFindingEntity,
  ReviewStepEntity,
  ReviewWorkstreamEntity,
  ReviewEntity,
  StepTypeEntity,
};

export const ENTITIES = [
  AgencyEntity,
  AuditEntryEntity,
  ClosureDayEntity,
  OpsRequestEntity,
  ProtocolVersionEntity,
  ReviewClockStopEntity,
  ReviewDeadlineEntity,
  ReviewEscalationEntity,
  ReviewEventEntity,
  ReviewExtensionEntity,
  ReviewFindingEntity,
  ReviewStepEntity,
  ReviewWorkstreamEntity,
  ReviewEntity,
  StepTypeEntity,
];
