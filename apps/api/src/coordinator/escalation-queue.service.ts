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
  raised_at: Date;
  due_at: Date | null;
}

/** Open escalations across open reviews, from the review_escalations table. */
@Injectable()
export class EscalationQueueService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async queue(query: EscalationQueueQueryDto): Promise<EscalationQueueDto> {
    const params: unknown[] = [query.limit ?? 200];
    const filters: string[] = [];
    if (query.level !== undefined) {
      params.push(query.level);
      filters.push(`AND e.level = $${params.length}`);
    }
    if (query.trigger) {
      params.push(query.trigger);
      filters.push(`AND e.trigger = $${params.length}`);
    }
    const rows: QueueRow[] = await this.db.query(
      `SELECT r.id AS review_id, r.developer_org, r.model_name, r.stage,
              e.escalation_id, e.trigger, e.subject, e.level, e.level_name, e.raised_at, e.due_at
         FROM review_escalations e JOIN reviews r ON r.id = e.review_id
        WHERE e.status = 'open' AND r.status = 'open' ${filters.join(' ')}
        ORDER BY e.level DESC, e.raised_at ASC, e.review_id, e.escalation_id
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
        raisedAt: row.raised_at.toISOString(),
        dueAt: row.due_at?.toISOString(),
      })),
    };
  }
}
