import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ObjectRule, RoutePolicy } from './policy';
import type { Principal } from './principal';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AccessRequest {
  params: Record<string, string | undefined>;
  body: unknown;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/** Decides a principal's request against one row of the policy table, objects included. */
@Injectable()
export class AccessService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async decide(
    policy: RoutePolicy,
    principal: Principal,
    request: AccessRequest,
  ): Promise<AccessDecision> {
    const rule = policy.allow[principal.role];
    if (!rule) return { allowed: false, reason: `role ${principal.role} may not use this route` };
    if (principal.scopes && !principal.scopes.includes(policy.scope)) {
      return { allowed: false, reason: `the API key lacks scope ${policy.scope}` };
    }
    return this.check(rule, principal, request);
  }

  private async check(
    rule: ObjectRule,
    principal: Principal,
    { params, body }: AccessRequest,
  ): Promise<AccessDecision> {
    const id = params.id;
    // A malformed id is the validation pipe's to refuse (400), after this guard.
    const reviewId = id && UUID.test(id) ? id : undefined;
    const field = (name: string): unknown =>
      body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
    switch (rule) {
      case 'any':
      case 'filtered':
        return { allowed: true };
      case 'path-agency':
        return params.agency === principal.agency
          ? { allowed: true }
          : {
              allowed: false,
              reason: `agency ${String(principal.agency)} may not see ${String(params.agency)}`,
            };
      case 'own-review':
        if (!reviewId || (await this.submitted(reviewId, principal.sub))) return { allowed: true };
        return {
          allowed: false,
          reason: `review ${reviewId} was not submitted by ${principal.sub}`,
        };
      case 'review-agency':
      case 'finding-agency':
      case 'deadline-agency': {
        if (rule === 'finding-agency') {
          const agency = field('agency');
          if (agency !== undefined && agency !== principal.agency) {
            return {
              allowed: false,
              reason: `agency ${String(principal.agency)} may not submit findings for ${String(agency)}`,
            };
          }
        }
        if (rule === 'deadline-agency') {
          const deadlineId = field('deadlineId');
          if (
            typeof deadlineId === 'string' &&
            !deadlineId.startsWith(`step:${principal.agency}:`)
          ) {
            return {
              allowed: false,
              reason: `agency ${String(principal.agency)} may ask extensions of its own steps only`,
            };
          }
        }
        if (!reviewId || (await this.participates(reviewId, principal.agency))) {
          return { allowed: true };
        }
        return {
          allowed: false,
          reason: `agency ${String(principal.agency)} has no workstream in review ${reviewId}`,
        };
      }
    }
  }

  private async submitted(reviewId: string, subject: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM review_submitters WHERE review_id = $1 AND subject = $2`,
      [reviewId, subject],
    );
    return rows.length > 0;
  }

  private async participates(reviewId: string, agency: string | undefined): Promise<boolean> {
    if (!agency) return false;
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM review_workstreams WHERE review_id = $1 AND agency = $2`,
      [reviewId, agency],
    );
    return rows.length > 0;
  }
}
