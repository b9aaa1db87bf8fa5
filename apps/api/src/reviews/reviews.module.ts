import { Module } from '@nestjs/common';
import { CalendarModule } from '../calendar/calendar.module';
import { ProtocolsModule } from '../protocols/protocols.module';
import { ReviewsController } from './reviews.controller';
import { ReviewsService } from './reviews.service';

@Module({
  imports: [ProtocolsModule, CalendarModule],
  controllers: [ReviewsController],
  providers: [ReviewsService],
  exports: [ReviewsService],
})
export class ReviewsModule {}
