import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { createTemporalClient } from './connection';

/** Provides one Temporal `Client` to the NestJS app and closes its connection on shutdown. */
@Global()
@Module({
  providers: [{ provide: Client, useFactory: () => createTemporalClient() }],
  exports: [Client],
})
export class TemporalModule implements OnApplicationShutdown {
  constructor(@Inject(Client) private readonly client: Client) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.connection.close();
  }
}
