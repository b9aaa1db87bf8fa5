import { Global, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { environment } from '@engine/config/environment';
import { AuditRequestInterceptor } from '../audit/audit-request.interceptor';
import { AccessService } from './access.service';
import { ApiKeyService } from './api-key.service';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { TokenVerifier } from './token-verifier.service';
import {
  CLIENT_THROTTLER,
  ClientRateLimitGuard,
  PRINCIPAL_THROTTLER,
  PrincipalRateLimitGuard,
  principalTracker,
} from './rate-limit.guards';

/**
 * Authentication (bearer JWTs, API keys) and authorisation (the policy table) for every route,
 * between two rate limits (per client address before, per principal after); accepted writes are
 * audited by the interceptor.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      useFactory: () => [
        {
          name: CLIENT_THROTTLER,
          ttl: environment().RATE_LIMIT_WINDOW_SECONDS * 1000,
          limit: environment().RATE_LIMIT_MAX_PER_CLIENT,
        },
        {
          name: PRINCIPAL_THROTTLER,
          ttl: environment().RATE_LIMIT_WINDOW_SECONDS * 1000,
          limit: environment().RATE_LIMIT_MAX,
          getTracker: principalTracker,
        },
      ],
    }),
  ],
  controllers: [AuthController],
  providers: [
    TokenVerifier,
    ApiKeyService,
    AccessService,
    // Guards run in this order: the client's rate limit first, so floods are refused before any
    // work; then who it is; then that principal's own budget.
    { provide: APP_GUARD, useClass: ClientRateLimitGuard },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: PrincipalRateLimitGuard },
    { provide: APP_INTERCEPTOR, useClass: AuditRequestInterceptor },
  ],
  exports: [AccessService],
})
export class AuthModule {}
