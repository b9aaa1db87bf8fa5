import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, databaseUrl } from '@engine/persistence';
import { TemporalModule } from '@engine/temporal/temporal.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CalendarModule } from './calendar/calendar.module';
import { CodecModule } from './codec/codec.module';
import { CoordinatorModule } from './coordinator/coordinator.module';
import { HealthModule } from './health/health.module';
import { NotificationsModule } from './notifications/notifications.module';
import { ObservabilityModule } from './observability/observability.module';
import { OpsModule } from './ops/ops.module';
import { ProtocolsModule } from './protocols/protocols.module';
import { RegistryModule } from './registry/registry.module';
import { ReviewsModule } from './reviews/reviews.module';

@Module({
  imports: [
    ObservabilityModule,
    TypeOrmModule.forRootAsync({ useFactory: () => dataSourceOptions(databaseUrl()) }),
    TemporalModule,
    AuditModule,
    AuthModule,
    CodecModule,
    ProtocolsModule,
    RegistryModule,
    CalendarModule,
    ReviewsModule,
    CoordinatorModule,
    HealthModule,
    OpsModule,
    NotificationsModule,
  ],
})
export class AppModule {}
