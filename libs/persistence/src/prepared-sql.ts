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
 * every time). Each argument is cast to the type PostgreSQL gave that parameter when the first
 * connection prepared it. Connections prepare under names no other statement in the process has
 * (`<prefix>_<n>`), so instances can share them; after an error the caller `forget`s the
 * connection, which prepares again under new names if it is used again, whatever became of the
 * old ones. Session-level: not for a pooler that hands a session to others between transactions.
 */
export class PreparedStatements<K extends string> {
  private readonly prepared = new WeakMap<object, Record<K, string>>();
  private types?: Record<K, string[]>;

  constructor(
    private readonly prefix: string,
    private readonly statements: Record<K, string>,
  ) {
    if (!/^[a-z][a-z0-9_]*$/.test(prefix)) throw new Error(`prepared statements: bad prefix`);
  }

  /** Prepares the statements on this connection unless it has them (one round trip then). */
  async ready(connection: SqlConnection): Promise<void> {
    if (this.prepared.has(connection)) return;
    const keys = Object.keys(this.statements) as K[];
    const names = Object.fromEntries(keys.map((k) => [k, `${this.prefix}_${++serial}`])) as Record<
      K,
      string
    >;
    await connection.query(
      keys.map((k) => `PREPARE ${names[k]} AS ${this.statements[k]}`).join(';\n'),
    );
    if (!this.types) {
      const { rows } = await connection.query(
        'SELECT name, parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = ANY($1)',
        [Object.values(names)],
      );
      const byName = new Map(
        (rows as { name: string; types: string[] }[]).map((r) => [r.name, r.types]),
      );
      this.types = Object.fromEntries(keys.map((k) => [k, byName.get(names[k])!])) as Record<
        K,
        string[]
      >;
    }
    this.prepared.set(connection, names);
  }

  /** The `EXECUTE` of a statement this connection prepared, its parameters written in. */
  execute(connection: SqlConnection, key: K, params: readonly unknown[]): string {
    const name = this.prepared.get(connection)?.[key];
    const types = this.types?.[key];
    if (!name || !types) throw new Error(`prepared statements: ${key} is not ready here`);
    if (params.length !== types.length)
      throw new Error(`prepared statements: ${key} takes ${types.length} parameters`);
    return `EXECUTE ${name}(${params.map((p, i) => `CAST(${sqlLiteral(p)} AS ${types[i]})`).join(', ')})`;
  }

  /** After an error: this connection prepares again, under new names, if it is used again. */
  forget(connection: SqlConnection): void {
    this.prepared.delete(connection);
  }
}
