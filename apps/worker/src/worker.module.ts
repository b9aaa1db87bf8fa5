import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { dataSourceOptions, databaseUrl } from '@engine/persistence';
import { ProjectionActivitiesService } from '@engine/activities/projection/projection.activities';
import { StepRegistryActivitiesService } from '@engine/activities/registry/step-registry.activities';
import { NotificationActivitiesService } from '@engine/activities/notifications/notification.activities';

/** The core worker's NestJS context: activities are injectable services. */
@Module({
  imports: [TypeOrmModule.forRootAsync({ useFactory: () => dataSourceOptions(databaseUrl()) })],
  providers: [
    ProjectionActivitiesService,
    StepRegistryActivitiesService,
    NotificationActivitiesService,
  ],
})
export class WorkerModule {
  /** The module with Nest's own log lines (TypeORM, lifecycle) going to the worker's pino logger. */
  static forLogger(logger: Logger): DynamicModule {
    return { module: WorkerModule, imports: [LoggerModule.forRoot({ pinoHttp: { logger } })] };
  }
}
