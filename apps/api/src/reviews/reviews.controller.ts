import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditedWithChange } from '../audit/audit-request.interceptor';
import {
  acceptIntakeUpdate,
  acknowledgeEscalationUpdate,
  answerInformationUpdate,
  changeReleaseDateUpdate,
  decideConsolidationUpdate,
  decideExtensionUpdate,
  designateUpdate,
  issueDeterminationUpdate,
  raiseEscalationUpdate,
  requestExtensionUpdate,
  requestInformationUpdate,
  resumeClockUpdate,
  stopClockUpdate,
  withdrawUpdate,
} from '../../../../workflows/definitions';
import { CreateReviewDto } from './dtos/create-review.dto';
import { ListReviewsQueryDto } from './dtos/list-reviews-query.dto';
import {
  CreateReviewResponseDto,
  ReviewDetailDto,
  ReviewPageDto,
} from './dtos/review-response.dto';
import {
  ActionDto,
  ClockResumeDto,
  ClockStopDto,
  ConsolidationDecisionDto,
  DesignationDto,
  DeterminationDto,
  ExtensionDecisionDto,
  ExtensionRequestDto,
  InformationAnswerDto,
  InformationRequestDto,
  RaiseEscalationDto,
  ReasonedActionDto,
  ReleaseDateDto,
} from './dtos/review-actions.dto';
import { FindingReceiptDto } from './dtos/finding-receipt.dto';
import { SubmitFindingDto } from './dtos/submit-finding.dto';
import { ReviewsService } from './reviews.service';
import { actorOf, CurrentPrincipal, type Principal } from '../auth/principal';

const Id = () => Param('id', new ParseUUIDPipe({ version: undefined }));

@ApiTags('reviews')
@ApiBearerAuth()
@Controller('reviews')
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Post()
  @ApiOperation({ summary: 'Submit a voluntary review (intake); idempotent with idempotencyKey' })
  @ApiCreatedResponse({ type: CreateReviewResponseDto })
  async create(
    @Body() dto: CreateReviewDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreateReviewResponseDto> {
    const review = await this.reviews.create(dto, principal);
    void reply.status(review.created ? 201 : 200);
    return review;
  }

  @Get()
  @ApiOkResponse({ type: ReviewPageDto })
  list(
    @Query() query: ListReviewsQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewPageDto> {
    return this.reviews.list(query, principal);
  }

  @Get(':id')
  @ApiOkResponse({ type: ReviewDetailDto })
  get(@Id() id: string, @CurrentPrincipal() principal: Principal): Promise<ReviewDetailDto> {
    return this.reviews.get(id, principal);
  }

  @Post(':id/findings')
  @HttpCode(200)
  @ApiOperation({
    summary: "Submit a manual step's finding (validated by the workstream workflow)",
    description:
      'Answers with a receipt: the step as the workstream recorded it. The review detail ' +
      '(GET /reviews/:id) shows the finding once the review has projected it, a moment later.',
  })
  @ApiOkResponse({ type: FindingReceiptDto })
  // The request is recorded with the finding and audited with its `step_done` entry.
  @AuditedWithChange()
  submitFinding(
    @Id() id: string,
    @Body() dto: SubmitFindingDto,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
  ): Promise<FindingReceiptDto> {
    return this.reviews.submitFinding(id, dto, principal, String(request.id));
  }

  @Post(':id/intake/accept')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  acceptIntake(
    @Id() id: string,
    @Body() dto: ActionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      acceptIntakeUpdate,
      'intake acceptance',
      {
        actor: actorOf(principal),
        reason: dto.reason,
      },
      principal,
    );
  }

  @Post(':id/information-requests')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ask the developer for information; stops the intake clock while open' })
  @ApiOkResponse({ type: ReviewDetailDto })
  requestInformation(
    @Id() id: string,
    @Body() dto: InformationRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      requestInformationUpdate,
      'information request',
      {
        actor: actorOf(principal),
        question: dto.question,
      },
      principal,
    );
  }

  @Post(':id/information-requests/:requestId/answer')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  answerInformation(
    @Id() id: string,
    @Param('requestId') requestId: string,
    @Body() dto: InformationAnswerDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      answerInformationUpdate,
      'answer',
      {
        actor: actorOf(principal),
        requestId,
        answer: dto.answer,
      },
      principal,
    );
  }

  @Post(':id/designation')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  designate(
    @Id() id: string,
    @Body() dto: DesignationDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      designateUpdate,
      'designation',
      {
        actor: actorOf(principal),
        designation: dto.designation,
        rationale: dto.rationale,
      },
      principal,
    );
  }

  @Post(':id/extensions')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  requestExtension(
    @Id() id: string,
    @Body() dto: ExtensionRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      requestExtensionUpdate,
      'extension request',
      {
        actor: actorOf(principal),
        deadlineId: dto.deadlineId,
        clock: { ...dto.clock },
        justification: dto.justification,
      },
      principal,
    );
  }

  @Post(':id/extensions/:extensionId/decision')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  decideExtension(
    @Id() id: string,
    @Param('extensionId') extensionId: string,
    @Body() dto: ExtensionDecisionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      decideExtensionUpdate,
      'extension decision',
      {
        actor: actorOf(principal),
        extensionId,
        grant: dto.grant,
        reason: dto.reason,
      },
      principal,
    );
  }

  @Post(':id/clock-stops')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  stopClock(
    @Id() id: string,
    @Body() dto: ClockStopDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      stopClockUpdate,
      'clock stop',
      {
        actor: actorOf(principal),
        deadlineId: dto.deadlineId,
        reasonCode: dto.reasonCode,
        reason: dto.reason,
      },
      principal,
    );
  }

  @Post(':id/clock-resumptions')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  resumeClock(
    @Id() id: string,
    @Body() dto: ClockResumeDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      resumeClockUpdate,
      'clock resumption',
      {
        actor: actorOf(principal),
        deadlineId: dto.deadlineId,
        reasonCode: 'resume',
        reason: dto.reason,
      },
      principal,
    );
  }

  @Post(':id/escalations')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  raiseEscalation(
    @Id() id: string,
    @Body() dto: RaiseEscalationDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      raiseEscalationUpdate,
      'escalation',
      {
        actor: actorOf(principal),
        subject: dto.subject,
        level: dto.level,
        reason: dto.reason,
      },
      principal,
    );
  }

  @Post(':id/escalations/:escalationId/acknowledge')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  acknowledge(
    @Id() id: string,
    @Param('escalationId') escalationId: string,
    @Body() dto: ActionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      acknowledgeEscalationUpdate,
      'acknowledgement',
      {
        actor: actorOf(principal),
        escalationId,
        reason: dto.reason,
      },
      principal,
    );
  }

  @Post(':id/consolidation/decisions')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  decideConsolidation(
    @Id() id: string,
    @Body() dto: ConsolidationDecisionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      decideConsolidationUpdate,
      'consolidation decision',
      {
        actor: actorOf(principal),
        domain: dto.domain,
        riskLevel: dto.riskLevel,
        rationale: dto.rationale,
      },
      principal,
    );
  }

  @Post(':id/determination')
  @HttpCode(200)
  @ApiOperation({ summary: 'Issue the advisory determination (never an approval or denial)' })
  @ApiOkResponse({ type: ReviewDetailDto })
  determine(
    @Id() id: string,
    @Body() dto: DeterminationDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      issueDeterminationUpdate,
      'determination',
      {
        actor: actorOf(principal),
        determination: dto.determination,
        rationale: dto.rationale,
        recommendation: dto.recommendation,
      },
      principal,
    );
  }

  @Post(':id/release-date')
  @HttpCode(200)
  @ApiOkResponse({ type: ReviewDetailDto })
  changeReleaseDate(
    @Id() id: string,
    @Body() dto: ReleaseDateDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      changeReleaseDateUpdate,
      'release date change',
      {
        actor: actorOf(principal),
        plannedReleaseDate: dto.plannedReleaseDate,
        reason: dto.reason,
      },
      principal,
    );
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Withdraw (always succeeds while open): open work is cancelled, the record kept',
  })
  @ApiOkResponse({ type: ReviewDetailDto })
  withdraw(
    @Id() id: string,
    @Body() dto: ReasonedActionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReviewDetailDto> {
    return this.reviews.act(
      id,
      withdrawUpdate,
      'withdrawal',
      {
        actor: actorOf(principal),
        reason: dto.reason,
      },
      principal,
    );
  }
}
