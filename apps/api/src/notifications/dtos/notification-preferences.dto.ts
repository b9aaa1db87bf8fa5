import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import {
  NOTIFICATION_KINDS,
  type NotificationKind,
} from '@engine/activities/notifications/notification-messages';

const KINDS_DESCRIPTION =
  'Only these kinds of notification; absent or empty = all of them. Messages carry only what ' +
  'happened, ids and a link, never finding content.';

/** An optional list of notification kinds, documented and validated the same way everywhere. */
const OptionalNotificationKinds = () =>
  applyDecorators(
    ApiPropertyOptional({
      enum: NOTIFICATION_KINDS,
      isArray: true,
      description: KINDS_DESCRIPTION,
    }),
    IsOptional(),
    IsArray(),
    ArrayUnique(),
    IsIn(NOTIFICATION_KINDS, {
      each: true,
      message: `kinds must be among ${NOTIFICATION_KINDS.join(', ')}`,
    }),
  );

/** Why a preference changed: recorded in the audit log with who and when. */
abstract class ReasonedChangeDto {
  @ApiProperty({ example: 'New duty officer for CAISI reviews' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason!: string;
}

export class UpdateAgencyNotificationsDto extends ReasonedChangeDto {
  @ApiProperty({ type: [String], example: ['reviews@caisi.example.gov'] })
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsEmail({}, { each: true, message: 'emailRecipients must contain email addresses only' })
  emailRecipients!: string[];

  @ApiPropertyOptional({
    example: 'https://hooks.caisi.example.gov/review-engine',
    description: 'Receives HMAC-signed JSON POSTs; null removes the webhook',
    nullable: true,
  })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Matches(/^https?:\/\/\S+$/, { message: 'webhookUrl must be an http(s):// URL' })
  @MaxLength(2000)
  webhookUrl?: string | null;

  @ApiPropertyOptional({
    description:
      'Shared secret for the webhook signature (write-only, never returned); required when a ' +
      'webhook is first set, kept when omitted later',
    minLength: 32,
  })
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'webhookSecret must be at least 32 characters' })
  @MaxLength(200)
  webhookSecret?: string;

  @OptionalNotificationKinds()
  kinds?: NotificationKind[];
}

export class AgencyNotificationsDto {
  @ApiProperty({ example: 'caisi' }) agency!: string;
  @ApiProperty({ type: [String] }) emailRecipients!: string[];
  @ApiProperty({ nullable: true, type: String }) webhookUrl!: string | null;
  @ApiProperty({ description: 'Whether a webhook secret is stored (the secret is never shown)' })
  webhookSecretSet!: boolean;
  @ApiProperty({ enum: NOTIFICATION_KINDS, isArray: true, description: KINDS_DESCRIPTION })
  kinds!: NotificationKind[];
  @ApiProperty({ nullable: true, type: String }) updatedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) updatedAt!: string | null;
}

export class UpdateMyNotificationsDto extends ReasonedChangeDto {
  @ApiProperty({ example: 'analyst@caisi.example.gov' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email!: string;

  @ApiProperty({ description: 'Email me (false also takes me off my agency recipient list)' })
  @IsBoolean()
  emailEnabled!: boolean;

  @OptionalNotificationKinds()
  kinds?: NotificationKind[];
}

export class MyNotificationsDto {
  @ApiProperty() subject!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Agency whose notifications I get' })
  agency!: string | null;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty() emailEnabled!: boolean;
  @ApiProperty({ enum: NOTIFICATION_KINDS, isArray: true, description: KINDS_DESCRIPTION })
  kinds!: NotificationKind[];
  @ApiProperty({ nullable: true, type: String }) updatedAt!: string | null;
}
