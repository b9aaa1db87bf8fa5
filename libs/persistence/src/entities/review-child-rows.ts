import type { ReviewClockStopEntity } from './review-clock-stop.entity';
import type { ReviewDeadlineEntity } from './review-deadline.entity';
import type { ReviewEscalationEntity } from './review-escalation.entity';
import type { ReviewExtensionEntity } from './review-extension.entity';
import type { ReviewFindingEntity } from './review-finding.entity';
import type { ReviewStepEntity } from './review-step.entity';
import type { ReviewWorkstreamEntity } from './review-workstream.entity';

/**
 * A review's rows in the normalized read-model tables, each list in `position` order: what the
 * projection writes for one state, and what the API reads back.
 */
export interface ReviewChildRows {
  workstreams: ReviewWorkstreamEntity[];
  steps: ReviewStepEntity[];
  findings: ReviewFindingEntity[];
  deadlines: ReviewDeadlineEntity[];
  extensions: ReviewExtensionEntity[];
  clockStops: ReviewClockStopEntity[];
  escalations: ReviewEscalationEntity[];
}
