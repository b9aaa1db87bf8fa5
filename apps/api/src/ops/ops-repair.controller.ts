import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgencyCodePipe } from '../common/agency-code.pipe';
import { ActivityActionPipe } from './activity-action.pipe';
import { OpsRequestDto } from './dtos/ops-request.dto';
import {
  type ActivityAction,
  ActivityActionDto,
  BatchDto,
  EscalateDto,
  ReassignDto,
  RepairResultDto,
  ResetDto,
  ResetPlanDto,
} from './dtos/repair.dto';
import type { AuditActor } from '@engine/persistence';
import { CurrentAuditActor } from '../auth/principal';
import { OperatorActionDto, repairContext } from './operator.dto';
import { OpsRequestsService } from './ops-requests.service';
import { RepairService } from './repair.service';
import { ResetService } from './reset.service';

const Id = () => Param('id', new ParseUUIDPipe({ version: undefined }));
const result =
  (action: string, reviewId: string) => (o: Omit<RepairResultDto, 'action' | 'reviewId'>) => ({
    action,
    reviewId,
    ...o,
  });

/**
 * Repairs of one review, and batches by visibility query. Reset, skip, terminate and every batch
 * are requests (202) that run once a second operator approves them (POST /ops/requests/:id/approve).
 */
@ApiTags('ops')
@Controller('ops')
export class OpsRepairController {
  constructor(
    private readonly repairs: RepairService,
    private readonly resets: ResetService,
    private readonly requests: OpsRequestsService,
  ) {}

  @Post('reviews/:id/reset/plan')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Dry run of a reset: steps that run again, signals/updates reapplied, deadlines',
  })
  @ApiOkResponse({ type: ResetPlanDto })
  resetPlan(@Id() id: string, @Body() dto: ResetDto): Promise<ResetPlanDto> {
    return this.resets.plan(id, dto);
  }

  @Post('reviews/:id/reset')
  @HttpCode(202)
  @ApiOperation({
    summary: "Request a reset of the review's workflow (two operators); deadlines keep their basis",
  })
  @ApiAcceptedResponse({ type: OpsRequestDto })
  reset(
    @Id() id: string,
    @Body() dto: ResetDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<OpsRequestDto> {
    const { beforeEventId, reapplySignals, reapplyUpdates } = dto;
    return this.requests.request(
      'reset',
      { reviewId: id },
      { beforeEventId, reapplySignals, reapplyUpdates },
      by,
      dto.reason,
    );
  }

  @Post('reviews/:id/activities/:action')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activity: retry now, pause, unpause (attempts reset) or reset' })
  @ApiOkResponse({ type: RepairResultDto })
  activity(
    @Id() id: string,
    @Param('action', ActivityActionPipe) action: ActivityAction,
    @Body() dto: ActivityActionDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<RepairResultDto> {
    const { agency, stepId, activityId } = dto;
    return this.repairs
      .run(`activity-${action}`, id, { agency, stepId, activityId }, repairContext(by, dto.reason))
      .then(result(`activity-${action}`, id));
  }

  @Post('reviews/:id/steps/:agency/:stepId/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run a failed automated step again' })
  @ApiOkResponse({ type: RepairResultDto })
  retryStep(
    @Id() id: string,
    @Param('agency', AgencyCodePipe) agency: string,
    @Param('stepId') stepId: string,
    @Body() dto: OperatorActionDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<RepairResultDto> {
    return this.repairs
      .run('retry', id, { agency, stepId }, repairContext(by, dto.reason))
      .then(result('retry', id));
  }

  @Post('reviews/:id/steps/:agency/:stepId/reassign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reassign a step to another analyst or agency' })
  @ApiOkResponse({ type: RepairResultDto })
  reassignStep(
    @Id() id: string,
    @Param('agency', AgencyCodePipe) agency: string,
    @Param('stepId') stepId: string,
    @Body() dto: ReassignDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<RepairResultDto> {
    return this.repairs
      .run(
        'reassign',
        id,
        { agency, stepId, analyst: dto.analyst, toAgency: dto.toAgency },
        repairContext(by, dto.reason),
      )
      .then(result('reassign', id));
  }

  @Post('reviews/:id/steps/:agency/:stepId/skip')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Request to skip a step with a justification (two operators); recorded as skipped',
  })
  @ApiAcceptedResponse({ type: OpsRequestDto })
  skipStep(
    @Id() id: string,
    @Param('agency', AgencyCodePipe) agency: string,
    @Param('stepId') stepId: string,
    @Body() dto: OperatorActionDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<OpsRequestDto> {
    return this.requests.request('skip', { reviewId: id }, { agency, stepId }, by, dto.reason);
  }

  @Post('reviews/:id/escalate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Force an escalation, at a chosen level of the ladder' })
  @ApiOkResponse({ type: RepairResultDto })
  escalate(
    @Id() id: string,
    @Body() dto: EscalateDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<RepairResultDto> {
    return this.repairs
      .run(
        'escalate',
        id,
        { subject: dto.subject, level: dto.level },
        repairContext(by, dto.reason),
      )
      .then(result('escalate', id));
  }

  @Post('reviews/:id/rebuild')
  @HttpCode(200)
  @ApiOperation({ summary: "Rebuild the review's read model from its workflow state" })
  @ApiOkResponse({ type: RepairResultDto })
  rebuild(
    @Id() id: string,
    @Body() dto: OperatorActionDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<RepairResultDto> {
    return this.repairs
      .run('rebuild', id, {}, repairContext(by, dto.reason))
      .then(result('rebuild', id));
  }

  @Post('reviews/:id/terminate')
  @HttpCode(202)
  @ApiOperation({ summary: 'Request termination with a reason (two operators)' })
  @ApiAcceptedResponse({ type: OpsRequestDto })
  terminate(
    @Id() id: string,
    @Body() dto: OperatorActionDto,
    @CurrentAuditActor() by: AuditActor,
  ): Promise<OpsRequestDto> {
    return this.requests.request('terminate', { reviewId: id }, {}, by, dto.reason);
  }

  @Post('batch')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Request a repair of every review a visibility query selects (two operators; rate-limited)',
  })
  @ApiAcceptedResponse({ type: OpsRequestDto })
  batch(@Body() dto: BatchDto, @CurrentAuditActor() by: AuditActor): Promise<OpsRequestDto> {
    const { action, query, reason, ...params } = dto;
    return this.requests.request(action, { query }, params, by, reason);
  }
}
