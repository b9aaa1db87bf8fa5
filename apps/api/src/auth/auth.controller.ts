import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DomainException, DomainExceptionCode } from '../common/domain.exception';
import { ApiKeyService } from './api-key.service';
import { CurrentPrincipal, type Principal } from './principal';
import {
  CreatedServiceAccountDto,
  CreateServiceAccountDto,
  PrincipalDto,
  ServiceAccountDto,
  toServiceAccount,
} from './service-account.dto';

@ApiTags('auth')
@ApiBearerAuth()
@Controller()
export class AuthController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Get('auth/me')
  @ApiOperation({ summary: 'Who the token or API key says the caller is' })
  @ApiOkResponse({ type: PrincipalDto })
  me(@CurrentPrincipal() principal: Principal): Promise<PrincipalDto> {
    return Promise.resolve({ ...principal });
  }

  @Get('service-accounts')
  @ApiOkResponse({ type: [ServiceAccountDto] })
  async list(): Promise<ServiceAccountDto[]> {
    return (await this.apiKeys.list()).map(toServiceAccount);
  }

  @Post('service-accounts')
  @ApiOperation({ summary: 'Create a service account; its API key is returned once' })
  @ApiCreatedResponse({ type: CreatedServiceAccountDto })
  async create(
    @Body() dto: CreateServiceAccountDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedServiceAccountDto> {
    const { key, row } = await this.apiKeys.create({ ...dto, createdBy: principal.sub });
    return { ...toServiceAccount(row), key };
  }

  @Post('service-accounts/:id/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: ServiceAccountDto })
  async revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<ServiceAccountDto> {
    const row = await this.apiKeys.revoke(id);
    if (!row) {
      throw new DomainException(
        DomainExceptionCode.SERVICE_ACCOUNT_NOT_FOUND,
        `no service account ${id}`,
      );
    }
    return toServiceAccount(row);
  }
}
