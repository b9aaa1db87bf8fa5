import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import {
  DEFAULT_PROTOCOL_PATH,
  ProtocolValidationError,
  loadProtocolFile,
} from './load-protocol-file';

describe('loadProtocolFile', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'protocols-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  /** Throws when `fn` does not throw a ProtocolValidationError, so a test cannot pass by accident. */
  const validationErrorOf = (fn: () => unknown): ProtocolValidationError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ProtocolValidationError) return err;
      throw err;
    }
    throw new Error('expected a ProtocolValidationError');
  };

  it('loads the default protocol', () => {
    expect(path.basename(DEFAULT_PROTOCOL_PATH)).toBe('frontier-ai-cyber.yaml');
    const protocol = loadProtocolFile(DEFAULT_PROTOCOL_PATH);

    expect(protocol.key).toBe('frontier-ai-cyber');
    expect(protocol.version).toBe(1);
    expect(protocol.agencies.map((a) => `${a.code}:${a.role}`)).toEqual([
      'caisi:lead',
      'nsa:member',
      'cisa:member',
      'treasury:member',
      'ostp:adviser',
      'oncd:adviser',
    ]);
    expect(
      Object.fromEntries(protocol.workstreams.map((w) => [w.agency, w.steps.map((s) => s.id)])),
    ).toEqual({
      caisi: ['reference-comparison', 'ctf-suite', 'cyber-range', 'elicitation'],
      nsa: ['classified-benchmark'],
      cisa: ['critical-infrastructure-impact', 'safeguards-red-team'],
      treasury: ['clearinghouse-handoff'],
    });
    expect(protocol.stages.assessment).toEqual({
      clock: { unit: 'calendar_days', amount: 30, rollToBusinessDay: true },
      endNoLaterThanRelease: true,
    });
    expect(protocol.escalation.levels.map((l) => l.level)).toEqual([0, 1, 2, 3, 4]);
  });

  it('throws a ProtocolValidationError carrying every error, and lists them in its message', () => {
    const protocol = loadProtocolFile(DEFAULT_PROTOCOL_PATH) as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    protocol.workstreams[0].steps[2].dependsOn = ['ctf'];
    protocol.outcomes.closures = ['completed', 'not_covered', 'lapsed'];
    const file = write('broken.yaml', stringify(protocol));

    const error = validationErrorOf(() => loadProtocolFile(file));

    expect(error.file).toBe(file);
    expect(error.errors).toEqual([
      { path: 'workstreams.caisi.steps[2].dependsOn', message: 'unknown step "ctf"' },
      {
        path: 'outcomes.closures',
        message: 'must include "withdrawn": withdrawal must always be possible',
      },
    ]);
    expect(error.message).toBe(
      `Invalid protocol file ${file} (2 errors):\n` +
        '  - workstreams.caisi.steps[2].dependsOn: unknown step "ctf"\n' +
        '  - outcomes.closures: must include "withdrawn": withdrawal must always be possible',
    );
  });

  it('reports YAML syntax errors, duplicate keys included, as protocol errors', () => {
    const file = write('syntax.yaml', 'key: a\nkey: b\nversion: [1\n');

    const error = validationErrorOf(() => loadProtocolFile(file));

    expect(error.errors).toHaveLength(2);
    expect(error.errors[0]).toEqual({
      path: '',
      message: 'YAML DUPLICATE_KEY: Map keys must be unique at line 2, column 1',
    });
    expect(error.errors[1].message).toMatch(/^YAML BAD_INDENT: .* at line 4, column 1$/);
  });

  it('reads JSON too, since JSON is YAML', () => {
    const protocol = loadProtocolFile(DEFAULT_PROTOCOL_PATH);
    const file = write('default.json', JSON.stringify(protocol));

    expect(loadProtocolFile(file)).toEqual(protocol);
  });

  it('lets a missing file fail as a missing file', () => {
    expect(() => loadProtocolFile(path.join(dir, 'absent.yaml'))).toThrow(/ENOENT/);
  });
});
