import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { environment } from '@engine/config/environment';
import { AuditRequestInterceptor } from '../audit/audit-request.interceptor';
import { AccessService } from './access.service';
import { ApiKeyService } from './api-key.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { TokenVerifier } from './token-verifier.service';

/**
 * Authentication (bearer JWTs, API keys) and authorisation (the policy table) for every route,
 * after a per-client rate limit; accepted writes are audited by the interceptor.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      useFactory: () => [
        {
          ttl: environment().RATE_LIMIT_WINDOW_SECONDS * 1000,
          limit: environment().RATE_LIMIT_MAX,
        },
      ],
    }),
  ],
  controllers: [AuthController],
  providers: [
    TokenVerifier,
    ApiKeyService,
    AccessService,
    // Guards run in this order: the rate limit first, so floods are refused before any work.
    { provide: APP_GUARD, useClass: ThrottlerGuard },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_INTERCEPTOR, useClass: AuditRequestInterceptor },
  ],
  exports: [AccessService],
})
export class AuthModule {}
