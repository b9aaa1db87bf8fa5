import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import type { ObjectRule, RoutePolicy } from './policy';
import type { Principal } from './principal';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AccessRequest {
  params: Record<string, string | undefined>;
  body: unknown;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/** At most this many object grants are remembered; the least recently used go first. */
export const OBJECT_GRANT_CACHE_SIZE = 20_000;
/** How long a remembered grant is taken without asking PostgreSQL again. */
export const OBJECT_GRANT_TTL_MS = 10 * 60_000;

/** Decides a principal's request against one row of the policy table, objects included. */
@Injectable()
export class AccessService {
  /**
   * The object facts the rules found true, by `submitter:` or `agency:` key. Neither changes once
   * true: a review keeps its one submitter (review_submitters' key is the review; rows are only
   * inserted, never updated), and its workstreams are the ones its protocol gave it at the start
   * (the workflow builds that list once, so the projection, which deletes rows no longer in the
   * state, never deletes one). Only a review purged by hand loses them, and its remembered grants
   * expire with the TTL. So a grant is asked of PostgreSQL once per review and caller, not on every
   * request: that query waited behind the projection's writes and was most of the policy's time
   * under load. A refusal is never remembered: the read model may not have the review yet.
   */
  private readonly granted = new LRUCache<string, true>({
    max: OBJECT_GRANT_CACHE_SIZE,
    ttl: OBJECT_GRANT_TTL_MS,
  });

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

  private submitted(reviewId: string, subject: string): Promise<boolean> {
    return this.holds(
      `submitter:${reviewId}:${subject}`,
      `SELECT 1 FROM review_submitters WHERE review_id = $1 AND subject = $2`,
      [reviewId, subject],
    );
  }

  private participates(reviewId: string, agency: string | undefined): Promise<boolean> {
    if (!agency) return Promise.resolve(false);
    return this.holds(
      `agency:${reviewId}:${agency}`,
      `SELECT 1 FROM review_workstreams WHERE review_id = $1 AND agency = $2`,
      [reviewId, agency],
    );
  }

  /** Whether `sql` finds a row, remembered under `key` once it does. */
  private async holds(key: string, sql: string, params: string[]): Promise<boolean> {
    if (this.granted.get(key)) return true;
    const rows: unknown[] = await this.db.query(sql, params);
    if (rows.length > 0) this.granted.set(key, true);
    return rows.length > 0;
  }
}
