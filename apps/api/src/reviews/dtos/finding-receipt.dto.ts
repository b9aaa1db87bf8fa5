import { ApiProperty } from '@nestjs/swagger';
import type { StepState } from '@engine/domain/review/review.types';
import { StepDto, stepFields } from './review-response.dto';

/**
 * What `POST /reviews/:id/findings` answers: the step as the workstream workflow recorded it,
 * straight from the Update's result. Not the review detail: the review's read model takes in the
 * finding a moment later, when the review projects its workstream's progress, so a detail read
 * right after the Update would not show it anyway.
 */
export class FindingReceiptDto {
  @ApiProperty({ format: 'uuid' }) reviewId!: string;

  @ApiProperty({ example: 'cisa', description: 'The workstream the finding was recorded in' })
  agency!: string;

  @ApiProperty({
    type: StepDto,
    description:
      'The step after the finding, as the workstream workflow holds it (status done, the ' +
      "finding's risk level, summary, marking and submitter, completedAt), under the same " +
      'field-level rules as GET /reviews/:id. No dueAt or passedByBusinessDays: deadlines ' +
      'belong to the review; GET /reviews/:id shows them, and the finding once it is projected.',
  })
  step!: StepDto;
}

/** A workstream workflow's step in the shape of the detail's steps (deadline fields aside). */
export function toStepDto(s: StepState): StepDto {
  return { ...stepFields(s, s.finding), completedAt: s.completedAt, failure: s.failure };
}
