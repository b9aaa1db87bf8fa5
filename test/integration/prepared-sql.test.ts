import { Client } from 'pg';
import { PreparedStatements } from '../../libs/persistence/src/prepared-sql';
import { readTestRun } from '../support/test-run';

/**
 * The projection runs its two fixed statements as `EXECUTE`s of what each connection prepared
 * once, with the parameters written in as literals: PostgreSQL must read each as the value the
 * parameter would have been, and a connection must prepare once, or again after an error.
 */
describe('PreparedStatements against PostgreSQL', () => {
  let db: Client;
  beforeAll(async () => {
    db = new Client({ connectionString: readTestRun().databaseUrl });
    await db.connect();
  });
  afterAll(() => db.end());

  // Types from the context, as in the projection's statements: casts, and no cast at all where
  // the parameter stands beside a typed value.
  const SQL = `SELECT $1::uuid AS id, $2::text AS t, $3::int AS i, $4::timestamptz AS at,
    $5::int[] AS ints, $6::text[] AS texts, $7::timestamptz[] AS ats, $8::jsonb AS doc,
    $9::jsonb[] AS docs, $10::text AS none, $11 || 'x' AS untyped`;
  const params = [
    '5b1f6c1e-8a53-4f3e-9a57-2f6d2b8f0c11',
    "O'Brien \\ back\\slash $1",
    -7,
    '2026-11-28T01:02:03.456Z',
    [],
    ['a', null, "b'c"],
    ['2026-11-28T01:02:03.456Z'],
    JSON.stringify({ a: [1, 'two'], quote: "it's" }),
    [JSON.stringify({ a: 1 }), JSON.stringify(['x'])],
    null,
    'y',
  ];
  const preparedCount = async () =>
    (
      await db.query(
        "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 't\\_%'",
      )
    ).rows[0].n as number;

  it('reads every parameter as the bound parameter, and prepares once per connection', async () => {
    const statements = new PreparedStatements('t', {
      probe: SQL,
      other: 'SELECT $1::int + 1 AS n',
    });
    await statements.ready(db);
    await statements.ready(db);
    expect(await preparedCount()).toBe(2);
    const bound = await db.query(SQL, params);
    const executed = await db.query(statements.execute(db, 'probe', params));
    expect(executed.rows).toEqual(bound.rows);
    expect(executed.rows[0]).toMatchObject({ i: -7, ints: [], none: null, untyped: 'yx' });
    // In one simple-protocol query with other statements, as the projection sends it.
    const results = (await db.query(
      ['BEGIN', statements.execute(db, 'other', [41]), 'COMMIT'].join(';\n'),
    )) as unknown as { rows: { n: number }[] }[];
    expect(results[1].rows).toEqual([{ n: 42 }]);
  });

  it('prepares again under new names after forget, and refuses what it has not prepared', async () => {
    const statements = new PreparedStatements('t', { probe: SQL });
    expect(() => statements.execute(db, 'probe', params)).toThrow(/not ready/);
    const before = await preparedCount();
    await statements.ready(db);
    const first = statements.execute(db, 'probe', params);
    statements.forget(db);
    await statements.ready(db);
    const second = statements.execute(db, 'probe', params);
    expect(second).not.toBe(first);
    expect(await preparedCount()).toBe(before + 2);
    expect((await db.query(second)).rows).toEqual((await db.query(SQL, params)).rows);
    expect(() => statements.execute(db, 'probe', params.slice(1))).toThrow(/takes 11 parameters/);
  });
});
