import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { environment, webhookPrivateNetworks } from '@engine/config/environment';
import { webhookUrlProblem } from '@engine/activities/notifications/webhook-target';
import { sealSecret } from '@engine/temporal/codec/secret-box';
import { appendAudit, type AuditActor } from '@engine/persistence';
import type { NotificationKind } from '@engine/activities/notifications/notification-messages';
import type { Principal } from '../auth/principal';
import type {
  AgencyNotificationsDto,
  MyNotificationsDto,
  UpdateAgencyNotificationsDto,
  UpdateMyNotificationsDto,
} from './dtos/notification-preferences.dto';

interface AgencyRow {
  agency: string;
  email_recipients: string[];
  webhook_url: string | null;
  webhook_secret: string | null;
  kinds: NotificationKind[] | null;
  updated_by: string | null;
  updated_at: Date | null;
}

interface UserRow {
  subject: string;
  agency: string | null;
  email: string;
  email_enabled: boolean;
  kinds: NotificationKind[] | null;
  updated_at: Date;
}

/**
 * Who is told of what: an agency's recipient list and webhook, and each user's own email
 * preference. Every change is written with an audit entry (who, what, when, why) in one
 * transaction; webhook secrets are stored sealed (AES-256-GCM with the payload-codec keys) and
 * never returned or audited.
 */
@Injectable()
export class NotificationPreferencesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async agency(agency: string): Promise<AgencyNotificationsDto> {
    const [row] = (await this.db.query(
      `SELECT * FROM notification_agency_preferences WHERE agency = $1`,
      [agency],
    )) as AgencyRow[];
    return toAgencyDto(agency, row);
  }

  async updateAgency(
    agency: string,
    dto: UpdateAgencyNotificationsDto,
    by: AuditActor,
  ): Promise<AgencyNotificationsDto> {
    // Checked before the transaction: it may wait for DNS.
    if (dto.webhookUrl) {
      const problem = await webhookUrlProblem(
        dto.webhookUrl,
        webhookPrivateNetworks(environment()),
      );
      if (problem) {
        throw new BadRequestException({
          error: 'Bad Request',
          message: [`webhookUrl: ${problem}`],
          errors: [{ field: 'webhookUrl', message: problem }],
        });
      }
    }
    const row = await this.db.transaction(async (tx) => {
      const [before] = (await tx.query(
        `SELECT * FROM notification_agency_preferences WHERE agency = $1 FOR UPDATE`,
        [agency],
      )) as AgencyRow[];
      const webhookUrl =
        dto.webhookUrl === undefined ? (before?.webhook_url ?? null) : dto.webhookUrl;
      // Sealed at rest with the payload-codec keys (a kept secret stays as it was stored).
      const secret = !webhookUrl
        ? null
        : dto.webhookSecret
          ? sealSecret(dto.webhookSecret, environment().PAYLOAD_CODEC_KEYS)
          : (before?.webhook_secret ?? null);
      if (webhookUrl && !secret) {
        throw new BadRequestException({
          error: 'Bad Request',
          message: ['webhookSecret: required when a webhook is set (at least 32 characters)'],
          errors: [
            {
              field: 'webhookSecret',
              message: 'required when a webhook is set (at least 32 characters)',
            },
          ],
        });
      }
      const [saved] = (await tx.query(
        `INSERT INTO notification_agency_preferences
           (agency, email_recipients, webhook_url, webhook_secret, kinds, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, now())
         ON CONFLICT (agency) DO UPDATE SET email_recipients = EXCLUDED.email_recipients,
           webhook_url = EXCLUDED.webhook_url, webhook_secret = EXCLUDED.webhook_secret,
           kinds = EXCLUDED.kinds, updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING *`,
        [
          agency,
          dto.emailRecipients.map((e) => e.toLowerCase()),
          webhookUrl,
          secret,
          dto.kinds ?? null,
          by.id,
        ],
      )) as AgencyRow[];
      await this.audit(tx, by, 'agency_notifications_changed', `agency:${agency}`, dto.reason, {
        before: before ? auditView(before) : null,
        after: auditView(saved),
        webhookSecretChanged: (before?.webhook_secret ?? null) !== saved.webhook_secret,
      });
      return saved;
    });
    return toAgencyDto(agency, row);
  }

  async mine(principal: Principal): Promise<MyNotificationsDto> {
    const [row] = (await this.db.query(
      `SELECT * FROM notification_user_preferences WHERE subject = $1`,
      [principal.sub],
    )) as UserRow[];
    return toMyDto(principal, row);
  }

  async updateMine(
    principal: Principal,
    dto: UpdateMyNotificationsDto,
    by: AuditActor,
  ): Promise<MyNotificationsDto> {
    const row = await this.db.transaction(async (tx) => {
      const [before] = (await tx.query(
        `SELECT * FROM notification_user_preferences WHERE subject = $1 FOR UPDATE`,
        [principal.sub],
      )) as UserRow[];
      // Role and agency come from the token, so a user hears only what their agency may.
      const [saved] = (await tx.query(
        `INSERT INTO notification_user_preferences
           (subject, role, agency, email, email_enabled, kinds, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())
         ON CONFLICT (subject) DO UPDATE SET role = EXCLUDED.role, agency = EXCLUDED.agency,
           email = EXCLUDED.email, email_enabled = EXCLUDED.email_enabled, kinds = EXCLUDED.kinds,
           updated_by = EXCLUDED.updated_by, updated_at = now()
         RETURNING *`,
        [
          principal.sub,
          principal.role,
          principal.agency ?? null,
          dto.email.toLowerCase(),
          dto.emailEnabled,
          dto.kinds ?? null,
          by.id,
        ],
      )) as UserRow[];
      const view = (r: UserRow) => ({
        email: r.email,
        emailEnabled: r.email_enabled,
        kinds: r.kinds ?? [],
      });
      await this.audit(tx, by, 'user_notifications_changed', `user:${principal.sub}`, dto.reason, {
        before: before ? view(before) : null,
        after: view(saved),
      });
      return saved;
    });
    return toMyDto(principal, row);
  }

  private async audit(
    tx: Parameters<typeof appendAudit>[0],
    by: AuditActor,
    action: string,
    target: string,
    reason: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await appendAudit(
      tx,
      [
        {
          actor: by.id,
          role: by.role,
          requestId: by.requestId,
          action,
          target,
          justification: reason,
          details,
        },
      ],
      { chained: environment().AUDIT_HASH_CHAIN },
    );
  }
}

/** What the audit log keeps of an agency's settings: everything but the secret. */
function auditView(r: AgencyRow) {
  return { emailRecipients: r.email_recipients, webhookUrl: r.webhook_url, kinds: r.kinds ?? [] };
}

function toAgencyDto(agency: string, row: AgencyRow | undefined): AgencyNotificationsDto {
  return {
    agency,
    emailRecipients: row?.email_recipients ?? [],
    webhookUrl: row?.webhook_url ?? null,
    webhookSecretSet: Boolean(row?.webhook_secret),
    kinds: row?.kinds ?? [],
    updatedBy: row?.updated_by ?? null,
    updatedAt: row?.updated_at ? new Date(row.updated_at).toISOString() : null,
  };
}

function toMyDto(principal: Principal, row: UserRow | undefined): MyNotificationsDto {
  return {
    subject: principal.sub,
    agency: principal.agency ?? null,
    email: row?.email ?? null,
    emailEnabled: row?.email_enabled ?? false,
    kinds: row?.kinds ?? [],
    updatedAt: row?.updated_at ? new Date(row.updated_at).toISOString() : null,
  };
}
