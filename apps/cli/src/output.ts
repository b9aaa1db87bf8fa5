import Table from 'cli-table3';

/** Prints either JSON (for scripts) or a readable table (for people). */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  ) {}

  data(value: unknown, table: () => string): void {
    this.write(this.json ? JSON.stringify(value, null, 2) : table());
  }
}

export function table(
  head: string[],
  rows: (string | number | boolean | undefined | null)[][],
): string {
  const t = new Table({ head, wordWrap: true, colWidths: head.map(() => null) });
  for (const r of rows) t.push(r.map((c) => (c === undefined || c === null ? '' : String(c))));
  return t.toString();
}

/** A record as two columns, nested values as compact JSON. */
export function record(value: Record<string, unknown>): string {
  return table(
    ['field', 'value'],
    Object.entries(value).map(([k, v]) => [
      k,
      typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as string),
    ]),
  );
}
