import { Client } from 'pg';
import { inlineParams, sqlLiteral } from '../../libs/persistence/src/inline-sql';
import { readTestRun } from '../support/test-run';

/**
 * The projection sends its statements with their parameters written in as literals: PostgreSQL
 * must read each literal as exactly the value the same parameter would have been.
 */
describe('inlineParams against PostgreSQL', () => {
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: readTestRun().databaseUrl });
    await db.connect();
  });
  afterAll(() => db.end());

  const texts = [
    '',
    "it's",
    "O''Brien \\ back\\slash \\' both",
    'line\nbreak\ttab',
    'unicode: Ø 漢字 🙂',
    '$1 and $2 inside a value',
    "E'not an escape'",
  ];

  it.each(texts)('reads text %j as the parameter would', async (text) => {
    const sql = 'SELECT $1::text AS v, $2::jsonb AS j';
    const params = [text, JSON.stringify({ text, nested: [text] })];
    const bound = await db.query(sql, params);
    const inlined = await db.query(inlineParams(sql, params));
    expect(inlined.rows).toEqual(bound.rows);
    expect(inlined.rows[0].v).toBe(text);
  });

  it('reads numbers, booleans, nulls, instants and arrays (empty ones too) as parameters', async () => {
    const sql = `SELECT $1::int AS i, $2::float8 AS f, $3::boolean AS b, $4::text AS n,
      $5::timestamptz AS t, $6::int[] AS ints, $7::text[] AS texts, $8::uuid[] AS none,
      $9::jsonb[] AS docs, $10::int AS negative`;
    const params = [
      42,
      0.1 + 0.2,
      false,
      null,
      new Date('2026-11-28T01:02:03.456Z'),
      [1, 2, 3],
      ['a', null, "b'c"],
      [],
      [JSON.stringify({ a: 1 }), JSON.stringify(['x'])],
      -7,
    ];
    const bound = await db.query(sql, params);
    const inlined = await db.query(inlineParams(sql, params));
    expect(inlined.rows).toEqual(bound.rows);
    expect(inlined.rows[0]).toMatchObject({ i: 42, b: false, n: null, none: [], negative: -7 });
  });

  it('keeps a negative number one number wherever it stands', async () => {
    const sql = 'SELECT 1 -$1 AS difference, $1::text AS text, $2::bigint AS big';
    const params = [-7, -9007199254740993n];
    const inlined = await db.query(inlineParams(sql, params));
    expect(inlined.rows[0]).toEqual({ difference: 8, text: '-7', big: '-9007199254740993' });
  });

  it('runs several statements in one round trip, each seeing the one before', async () => {
    const results = (await db.query(
      [
        'BEGIN',
        'CREATE TEMP TABLE inline_probe (v text) ON COMMIT DROP',
        inlineParams('INSERT INTO inline_probe VALUES ($1), ($2)', ["a'", 'b\\']),
        'SELECT v FROM inline_probe ORDER BY v',
        'COMMIT',
      ].join(';\n'),
    )) as unknown as { rows: { v: string }[] }[];
    expect(results[3].rows.map((r) => r.v)).toEqual(["a'", 'b\\']);
  });

  it('refuses what it cannot write as a literal, and a missing parameter', () => {
    expect(() => sqlLiteral(Number.NaN)).toThrow(/finite/);
    expect(() => sqlLiteral(new Date('nonsense'))).toThrow(/invalid date/);
    expect(() => inlineParams('SELECT $2', [1])).toThrow(/\$2/);
  });
});
