import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { EscalationQueueDto, EscalationQueueQueryDto } from './dtos/escalation-queue.dto';

interface QueueRow {
  review_id: string;
  developer_org: string;
  model_name: string;
  stage: string;
  escalation_id: string;
  trigger: string;
  subject: string;
  level: number;
  level_name: string;
  raised_ms: string;
  due_ms: string;
}

/** Open escalations across open reviews, from the projected state (reviews.state->escalations). */
@Injectable()
export class EscalationQueueService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async queue(query: EscalationQueueQueryDto): Promise<EscalationQueueDto> {
    const params: unknown[] = [query.limit ?? 200];
    const filters: string[] = [];
    if (query.level !== undefined) {
      params.push(query.level);
      filters.push(`AND (e->>'level')::int = $${params.length}`);
    }
    if (query.trigger) {
      params.push(query.trigger);
      filters.push(`AND e->>'trigger' = $${params.length}`);
    }
    const rows: QueueRow[] = await this.db.query(
      `SELECT r.id AS review_id, r.developer_org, r.model_name, r.stage,
              e->>'id' AS escalation_id, e->>'trigger' AS trigger, e->>'subject' AS subject,
              (e->>'level')::int AS level, e->>'levelName' AS level_name,
              e->>'raisedAtMs' AS raised_ms, e->>'dueMs' AS due_ms
         FROM reviews r CROSS JOIN LATERAL jsonb_array_elements(r.state->'escalations') e
        WHERE r.status = 'open' AND e->>'status' = 'open' ${filters.join(' ')}
        ORDER BY (e->>'level')::int DESC, (e->>'raisedAtMs')::bigint ASC, r.id, e->>'id'
        LIMIT $1`,
      params,
    );
    return {
      items: rows.map((row) => ({
        reviewId: row.review_id,
        developerOrg: row.developer_org,
        modelName: row.model_name,
        stage: row.stage,
        escalationId: row.escalation_id,
        trigger: row.trigger,
        subject: row.subject,
        level: row.level,
        levelName: row.level_name,
        raisedAt: new Date(Number(row.raised_ms)).toISOString(),
        dueAt: new Date(Number(row.due_ms)).toISOString(),
      })),
    };
  }
}
