import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ExportReviewsQueryDto } from './dtos/export-reviews-query.dto';
import { EXPORT_MARKING, ReviewExportService } from './review-export.service';
import { CurrentPrincipal, type Principal } from '../auth/principal';

@ApiTags('reviews')
@ApiBearerAuth()
@Controller()
export class ReviewExportController {
  constructor(private readonly exports: ReviewExportService) {}

  /** Beside /reviews rather than under it, where /reviews/:id would claim the path. */
  @Get('reviews.csv')
  @ApiOperation({ summary: 'The review list as CSV, with the filters and sort of GET /reviews' })
  @ApiProduces('text/csv')
  @ApiOkResponse({ schema: { type: 'string' } })
  async csv(
    @Query() query: ExportReviewsQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const csv = await this.exports.csv(query, principal);
    // Set only on success (not with @Header): an error must still go out as JSON.
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="reviews.csv"')
      .header('x-content-marking', EXPORT_MARKING);
    return csv;
  }
}
