/**
 * Text as a string literal: quotes doubled and, when there is a backslash, an escape string
 * (E'…') with backslashes doubled, so it reads the same whatever `standard_conforming_strings`
 * says. The same literal as node-postgres's `escapeLiteral`, which builds it a character at a
 * time: about 1.6 ms for a 62 KB JSON text on the bench machine, against about 0.05 ms here.
 */
function quoteText(text: string): string {
  const quoted = text.replace(/'/g, "''");
  return text.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/**
 * A value as an SQL literal, the way node-postgres would send it as a parameter: NULL, a number,
 * a boolean, text (a Date as its ISO instant, an object as its JSON), or an ARRAY of those. Every
 * array needs a cast after it where an empty one may come (`$1::int[]`), as it does as a
 * parameter.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`sql literal: ${value} is not a finite number`);
    // In parentheses, so that no `-` before it makes a comment and no cast after it binds first.
    return value < 0 || Object.is(value, -0) ? `(${value})` : String(value);
  }
  if (typeof value === 'bigint') return value < 0n ? `(${value})` : value.toString();
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return quoteText(value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error('sql literal: invalid date');
    return quoteText(value.toISOString());
  }
  if (Array.isArray(value)) return `ARRAY[${value.map(sqlLiteral).join(',')}]`;
  return quoteText(JSON.stringify(value));
}

/**
 * A parameterized statement with its parameters written in as literals (`$1` becomes the first
 * one's). PostgreSQL takes several statements in one round trip only without parameters (the
 * simple query protocol); the projection sends its transaction that way, in two round trips
 * instead of seven. The statement's own text must not hold `$n` anywhere else (in a string).
 */
export function inlineParams(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new Error(`sql: no parameter $${n}`);
    return sqlLiteral(params[i]);
  });
}
