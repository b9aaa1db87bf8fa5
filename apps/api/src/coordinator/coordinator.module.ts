import { Module } from '@nestjs/common';
import { ReviewsModule } from '../reviews/reviews.module';
import { AgencyInboxController } from './agency-inbox.controller';
import { AgencyInboxService } from './agency-inbox.service';
import { CoordinatorSummaryController } from './coordinator-summary.controller';
import { CoordinatorSummaryService } from './coordinator-summary.service';
import { DeadlineCalendarController } from './deadline-calendar.controller';
import { DeadlineCalendarService } from './deadline-calendar.service';
import { EscalationQueueController } from './escalation-queue.controller';
import { EscalationQueueService } from './escalation-queue.service';
import { ReviewExportController } from './review-export.controller';
import { ReviewExportService } from './review-export.service';

/** Read-only views across reviews for coordinators and agencies (the dashboard's data). */
@Module({
  imports: [ReviewsModule],
  controllers: [
    AgencyInboxController,
    EscalationQueueController,
    DeadlineCalendarController,
    CoordinatorSummaryController,
    ReviewExportController,
  ],
  providers: [
    AgencyInboxService,
    EscalationQueueService,
    DeadlineCalendarService,
    CoordinatorSummaryService,
    ReviewExportService,
  ],
  exports: [CoordinatorSummaryService],
})
export class CoordinatorModule {}
