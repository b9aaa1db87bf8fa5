import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

/** Apply pending migrations to the database at `url`; returns the names applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = new DataSource({ ...dataSourceOptions(url), logging: false });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
