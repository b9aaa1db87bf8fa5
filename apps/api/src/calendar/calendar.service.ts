import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { federalNonBusinessDates } from '@engine/activities/calendar/federal-holidays';

/** Non-business dates: observed federal holidays plus closure days operators declared. */
@Injectable()
export class CalendarService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async nonBusinessDates(at = new Date()): Promise<string[]> {
    const year = at.getUTCFullYear();
    const holidays = federalNonBusinessDates(year - 1, year + 3);
    const rows: { date: string }[] = await this.db.query(
      `SELECT to_char(date, 'YYYY-MM-DD') AS date FROM closure_days ORDER BY date`,
    );
    return [...new Set([...holidays, ...rows.map((r) => r.date)])].sort();
  }
}
