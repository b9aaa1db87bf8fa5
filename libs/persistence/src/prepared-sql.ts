import { sqlLiteral } from './inline-sql';

/** What a prepared statement needs of a connection: node-postgres's client answers it. */
export interface SqlConnection {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Numbers the names of every prepared statement in this process: no two ever share one. */
let serial = 0;

/**
 * Statements of fixed text that each connection prepares once (`PREPARE`), so PostgreSQL parses
 * and analyses them once per connection instead of once per use, and plans them once too after
 * their first five runs (its generic plan, unless the plans it makes for each run's values cost
 * less); they then run as `EXECUTE name(literal, …)`, which still goes with other statements in
 * one simple-protocol query (`inlineParams` writes a parameterized statement out instead, planned
 * every time). Each argument is cast to the type PostgreSQL gave that parameter on that
 * connection. Connections prepare under names no other statement in the process has
 * (`<prefix>_<n>`), so instances can share them. A caller that finds them gone from a connection
 * (SQLSTATE 26000) or the connection broken `forget`s it: it prepares again under new names if it
 * is used again, whatever became of the old ones. Session-level: not for a pooler that hands a
 * session to others between transactions.
 */
export class PreparedStatements<K extends string> {
  private readonly prepared = new WeakMap<
    object,
    { names: Record<K, string>; types: Record<K, string[]> }
  >();

  constructor(
    private readonly prefix: string,
    private readonly statements: Record<K, string>,
  ) {
    if (!/^[a-z][a-z0-9_]*$/.test(prefix)) throw new Error(`prepared statements: bad prefix`);
  }

  /**
   * Prepares the statements on this connection unless it has them, and reads the types
   * PostgreSQL gave their parameters there, in one round trip.
   */
  async ready(connection: SqlConnection): Promise<void> {
    if (this.prepared.has(connection)) return;
    const keys = Object.keys(this.statements) as K[];
    const names = Object.fromEntries(keys.map((k) => [k, `${this.prefix}_${++serial}`])) as Record<
      K,
      string
    >;
    const results = (await connection.query(
      [
        ...keys.map((k) => `PREPARE ${names[k]} AS ${this.statements[k]}`),
        `SELECT name, parameter_types::text[] AS types FROM pg_prepared_statements
          WHERE name IN (${keys.map((k) => `'${names[k]}'`).join(', ')})`,
      ].join(';\n'),
    )) as unknown as { rows: { name: string; types: string[] }[] }[];
    const byName = new Map(results[results.length - 1].rows.map((r) => [r.name, r.types]));
    const types = Object.fromEntries(keys.map((k) => [k, byName.get(names[k])])) as Record<
      K,
      string[]
    >;
    this.prepared.set(connection, { names, types });
  }

  /** The `EXECUTE` of a statement this connection prepared, its parameters written in. */
  execute(connection: SqlConnection, key: K, params: readonly unknown[]): string {
    const here = this.prepared.get(connection);
    const name = here?.names[key];
    const types = here?.types[key];
    if (!name || !types) throw new Error(`prepared statements: ${key} is not ready here`);
    if (params.length !== types.length)
      throw new Error(`prepared statements: ${key} takes ${types.length} parameters`);
    return `EXECUTE ${name}(${params.map((p, i) => `CAST(${sqlLiteral(p)} AS ${types[i]})`).join(', ')})`;
  }

  /** This connection prepares again, under new names, if it is used again. */
  forget(connection: SqlConnection): void {
    this.prepared.delete(connection);
  }
}
