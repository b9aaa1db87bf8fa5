import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, databaseUrl } from '@engine/persistence';
import { TemporalModule } from '@engine/temporal/temporal.module';
import { CalendarModule } from './calendar/calendar.module';
import { HealthController } from './health/health.controller';
import { ProtocolsModule } from './protocols/protocols.module';
import { ReviewsModule } from './reviews/reviews.module';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({ useFactory: () => dataSourceOptions(databaseUrl()) }),
    TemporalModule,
    ProtocolsModule,
    CalendarModule,
    ReviewsModule,
  ],
  controllers: [HealthController],
})
export class AppModule {}
