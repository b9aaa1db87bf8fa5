import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { Protocol } from '../protocol.types';
import { formatProtocolErrors, validateProtocol, type ProtocolError } from './validate-protocol';

const DEFAULT_YAML = path.resolve(
  __dirname,
  '../../../../../config/protocols/frontier-ai-cyber.yaml',
);

/** The default protocol as parsed YAML, a fresh copy each time, to be broken by each test. */
function defaultProtocol(): Protocol {
  return parse(fs.readFileSync(DEFAULT_YAML, 'utf8')) as Protocol;
}

/** Any shape: tests put wrong types and unknown keys where the types forbid them. */
type Loose = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function errorsOf(input: unknown): ProtocolError[] {
  const result = validateProtocol(input);
  if (result.ok) throw new Error('expected the protocol to be invalid');
  return result.errors;
}

function broken(mutate: (p: Loose) => void): string[] {
  const p = defaultProtocol() as unknown as Loose;
  mutate(p);
  return errorsOf(p).map((e) => `${e.path}: ${e.message}`);
}

describe('validateProtocol', () => {
  it('accepts the default protocol and returns it as a plain copy', () => {
    const input = defaultProtocol();
    const result = validateProtocol(input);
    expect(result).toEqual({ ok: true, protocol: input });
    if (!result.ok) return;
    expect(result.protocol).not.toBe(input);
    // Plain objects, not DTO instances: the protocol is stored as JSON and handed to workflows.
    expect(Object.getPrototypeOf(result.protocol.workstreams[0].steps[0]).constructor.name).toBe(
      'Object',
    );
  });

  it('reports every mistake at once, each with its exact path', () => {
    const p = defaultProtocol() as unknown as Loose;
    // caisi: reference-comparison, ctf-suite, cyber-range, elicitation
    p.workstreams[0].steps[2].dependsOn = ['ctf'];
    // cisa: critical-infrastructure-impact, safeguards-red-team depend on each other
    p.workstreams[2].steps[0].dependsOn = ['safeguards-red-team'];
    p.workstreams[2].steps[1].dependsOn = ['critical-infrastructure-impact'];
    p.escalation.levels[1].clock = { unit: 'duration', iso: 'P3X' };
    p.escalation.levels[2].level = 3;
    p.escalation.levels[3].level = 2;
    p.stages.determination.byRiskLevel.alert = 'no_concerns';
    p.stages.assessment.windowDays = 30;
    p.workstreams[1].steps[0].marking = 'SECRET';

    expect(errorsOf(p)).toEqual([
      { path: 'stages.assessment.windowDays', message: 'unknown key' },
      { path: 'workstreams.nsa.steps[0].marking', message: 'must be one of: U, CUI, CLASSIFIED' },
      { path: 'workstreams.caisi.steps[2].dependsOn', message: 'unknown step "ctf"' },
      {
        path: 'workstreams.cisa.steps[0].dependsOn',
        message:
          'dependency cycle: critical-infrastructure-impact → safeguards-red-team → critical-infrastructure-impact',
      },
      {
        path: 'escalation.levels[1].clock.iso',
        message:
          'invalid ISO 8601 duration "P3X": expected PnW, PnD, PTnH, PTnM, PTnS or a combination such as P1DT2H30M',
      },
      {
        path: 'escalation.levels[2].level',
        message: 'levels must climb by one with no gaps; expected 2 after 1, found 3',
      },
      {
        path: 'escalation.levels[3].level',
        message: 'levels must be strictly increasing; 2 comes after 3',
      },
      {
        path: 'outcomes.determinations[1]',
        message:
          'determination "mitigations_recommended" is unreachable: no risk level in riskLevels maps to it in stages.determination.byRiskLevel',
      },
    ]);
  });

  it('formats errors one per line as path: message', () => {
    expect(
      formatProtocolErrors([
        { path: 'workstreams.caisi.steps[2].dependsOn', message: 'unknown step "ctf"' },
        { path: '', message: 'a protocol must be an object; found null' },
      ]),
    ).toBe(
      'workstreams.caisi.steps[2].dependsOn: unknown step "ctf"\na protocol must be an object; found null',
    );
  });

  describe('shape', () => {
    it('refuses anything but an object', () => {
      expect(errorsOf(null)).toEqual([
        { path: '', message: 'a protocol must be an object; found null' },
      ]);
      expect(errorsOf([])).toEqual([
        { path: '', message: 'a protocol must be an object; found a list' },
      ]);
    });

    it('names every missing property once', () => {
      expect(errorsOf({}).map((e) => `${e.path}: ${e.message}`)).toEqual(
        [
          'key',
          'version',
          'title',
          'agencies',
          'stages',
          'workstreams',
          'escalation',
          'reminders',
          'riskLevels',
          'outcomes',
        ].map((k) => `${k}: is required`),
      );
    });

    it('reports unknown keys at any depth', () => {
      expect(
        broken((p) => {
          p.owner = 'x';
          p.workstreams[3].steps[0].approve = true;
          p.stages.determination.byRiskLevel.extreme = 'significant_concerns';
        }),
      ).toEqual([
        'owner: unknown key',
        'stages.determination.byRiskLevel.extreme: unknown key',
        'workstreams.treasury.steps[0].approve: unknown key',
      ]);
    });

    it('reports one message per wrong type, not every rule the value also breaks', () => {
      expect(
        broken((p) => {
          p.version = '1';
          p.workstreams[0].steps[1].id = 7;
          p.workstreams[2].steps = 'none';
        }),
      ).toEqual([
        'version: must be a whole number',
        'workstreams.caisi.steps[1].id: must be a string',
        'workstreams.cisa.steps: must be a list',
      ]);
    });

    it('addresses a workstream by index when its agency code cannot name it', () => {
      expect(
        broken((p) => {
          p.workstreams[1].agency = 'NSA';
          p.workstreams[1].steps[0].title = '';
        }),
      ).toEqual([
        'workstreams[1].agency: must be a kebab-case agency code such as "caisi"',
        'workstreams[1].steps[0].title: must not be empty',
        'workstreams[1].agency: agency "NSA" is not declared in agencies',
      ]);
    });
  });

  describe('semantics', () => {
    it.each<[string, (p: Loose) => void, string[]]>([
      [
        'duplicate step ids',
        (p) => (p.workstreams[0].steps[3].id = 'ctf-suite'),
        ['workstreams.caisi.steps[3].id: duplicate step id "ctf-suite" (first at steps[1])'],
      ],
      [
        'a step depending on itself',
        (p) => (p.workstreams[3].steps[0].dependsOn = ['clearinghouse-handoff']),
        [
          'workstreams.treasury.steps[0].dependsOn: dependency cycle: clearinghouse-handoff → clearinghouse-handoff',
        ],
      ],
      [
        'duplicate agency codes',
        (p) => (p.agencies[5].code = 'ostp'),
        ['agencies[5].code: duplicate agency code "ostp" (first declared at agencies[4])'],
      ],
      [
        'undeclared agencies',
        (p) => {
          p.stages.designation.agency = 'fbi';
          p.workstreams[2].agency = 'dhs';
        },
        [
          'stages.designation.agency: agency "fbi" is not declared in agencies',
          'workstreams.dhs.agency: agency "dhs" is not declared in agencies',
        ],
      ],
      [
        'two workstreams for one agency',
        (p) => (p.workstreams[3].agency = 'cisa'),
        [
          'workstreams[3].agency: duplicate workstream for agency "cisa" (first at workstreams.cisa); each agency has one workstream',
        ],
      ],
      [
        'no lead agency',
        (p) => (p.agencies[0].role = 'member'),
        ['agencies: exactly one agency must have the role "lead"; none has'],
      ],
      [
        'two lead agencies',
        (p) => (p.agencies[1].role = 'lead'),
        ['agencies: exactly one agency must have the role "lead"; found 2 (caisi, nsa)'],
      ],
      [
        'stepType on the wrong kind of step',
        (p) => {
          delete p.workstreams[0].steps[0].stepType;
          p.workstreams[1].steps[0].stepType = 'nsa.benchmark';
        },
        [
          'workstreams.caisi.steps[0].stepType: an automated step must name the stepType its agency worker serves',
          'workstreams.nsa.steps[0].stepType: a manual step must not name a stepType: an analyst completes it through the API',
        ],
      ],
      [
        'automated-only settings on a manual step',
        (p) => (p.workstreams[2].steps[0].retry = { maximumAttempts: 2 }),
        ['workstreams.cisa.steps[0].retry: only automated steps take this setting'],
      ],
      [
        'a classified automated step',
        (p) => (p.workstreams[0].steps[1].marking = 'CLASSIFIED'),
        [
          'workstreams.caisi.steps[1].marking: an automated step cannot be CLASSIFIED: classified work is recorded by an analyst as a reference only',
        ],
      ],
      [
        'day clocks without a positive whole amount',
        (p) => {
          p.stages.intake.clock.amount = 2.5;
          p.stages.consolidation.clock.amount = 0;
          p.stages.designation.clock = { unit: 'calendar_days', iso: 'P10D' };
        },
        [
          'stages.intake.clock.amount: must be a positive whole number of days; found 2.5',
          'stages.designation.clock.amount: is required for calendar_days: a positive whole number of days',
          'stages.designation.clock.iso: only a duration clock takes an ISO 8601 duration; calendar_days counts whole days in amount',
          'stages.consolidation.clock.amount: must be a positive whole number of days; found 0',
        ],
      ],
      [
        'duration clocks and timeouts that are not positive ISO 8601 durations',
        (p) => {
          p.reminders[0].before = { unit: 'duration', iso: 'PT0S' };
          p.escalation.levels[4].clock = { unit: 'duration' };
          p.workstreams[0].steps[1].startToCloseTimeout = 'P1M';
        },
        [
          'workstreams.caisi.steps[1].startToCloseTimeout: invalid ISO 8601 duration "P1M": months and years have no fixed length; use weeks or days',
          'escalation.levels[4].clock.iso: is required for a duration clock: an ISO 8601 duration such as PT30S',
          'reminders[0].before.iso: must be longer than zero; found "PT0S"',
        ],
      ],
      [
        'a ladder that does not start at 0',
        (p) => p.escalation.levels.forEach((l: Loose) => (l.level += 1)),
        ['escalation.levels[0].level: the ladder starts at level 0; found 1'],
      ],
      [
        'an empty ladder',
        (p) => (p.escalation.levels = []),
        [
          'escalation.levels: at least level 0 is required: missed deadlines and dissents escalate to it',
        ],
      ],
      [
        'risk levels out of canonical order or repeated',
        (p) => (p.riskLevels = ['low', 'high', 'alert', 'high', 'critical']),
        [
          'riskLevels[2]: "alert" comes after "high"; list risk levels in the order low, alert, high, critical',
          'riskLevels[3]: duplicate risk level "high"',
        ],
      ],
      [
        'no risk levels',
        (p) => (p.riskLevels = []),
        [
          'riskLevels: at least one risk level is required, in the order low, alert, high, critical',
        ],
      ],
      [
        'a suggested determination that is not listed',
        (p) => (p.outcomes.determinations = ['no_concerns', 'significant_concerns']),
        [
          'stages.determination.byRiskLevel.alert: determination "mitigations_recommended" is not listed in outcomes.determinations',
        ],
      ],
      [
        'determinations without a determination stage',
        (p) => {
          delete p.stages.determination;
          p.outcomes.determinations = ['no_concerns'];
        },
        [
          'outcomes.determinations[0]: determination "no_concerns" is unreachable: the protocol has no determination stage',
        ],
      ],
      [
        'closures without withdrawal',
        (p) => (p.outcomes.closures = ['completed', 'not_covered', 'lapsed']),
        ['outcomes.closures: must include "withdrawn": withdrawal must always be possible'],
      ],
      [
        'closures the workflow can reach but the protocol does not list',
        (p) => (p.outcomes.closures = ['withdrawn']),
        [
          'outcomes.closures: must include "completed": a review that runs every stage closes as completed',
          'outcomes.closures: must include "lapsed": an assessment window can always end before the findings are in',
          'outcomes.closures: must include "not_covered": the designation stage can find the model not covered',
        ],
      ],
      [
        'no voting roles',
        (p) => (p.stages.consolidation.votingRoles = []),
        ['stages.consolidation.votingRoles: at least one role must vote'],
      ],
      [
        'voting roles no agency holds',
        (p) => (p.stages.consolidation.votingRoles = ['observer']),
        [
          'stages.consolidation.votingRoles: no declared agency has a voting role (observer); a vote would have no voters',
        ],
      ],
      [
        'a rationale threshold outside the risk levels',
        (p) => (p.riskLevels = ['low', 'alert']),
        [
          'stages.consolidation.rationaleRequiredFrom: "high" is not one of riskLevels (low, alert)',
          'outcomes.determinations[2]: determination "significant_concerns" is unreachable: no risk level in riskLevels maps to it in stages.determination.byRiskLevel',
        ],
      ],
    ])('reports %s', (_name, mutate, expected) => {
      expect(broken(mutate)).toEqual(expected);
    });

    it('still checks the step graph when other parts of the protocol are malformed', () => {
      expect(
        broken((p) => {
          p.stages = 'soon';
          p.agencies = 'all';
          p.workstreams[0].steps[0].kind = 'robotic';
          p.workstreams[0].steps[3].dependsOn = ['cyber-range'];
          p.workstreams[0].steps[2].dependsOn = ['elicitation'];
        }),
      ).toEqual([
        'agencies: must be a list',
        'stages: must be an object',
        'workstreams.caisi.steps[0].kind: must be one of: automated, manual',
        'workstreams.caisi.steps[2].dependsOn: dependency cycle: cyber-range → elicitation → cyber-range',
      ]);
    });
  });
});
