import fc from 'fast-check';
import {
  AGENCY_ROLES,
  RISK_LEVELS,
  type AgencyRole,
  type RiskLevel,
} from '../protocol/protocol.types';
import {
  consolidate,
  highestRisk,
  rationaleRequired,
  type AgencyPosition,
  type CoordinatorDecision,
  type DomainOutcome,
} from './consolidation';

const CYBER = 'offensive-cyber';
const INFRA = 'critical-infrastructure';
const MEMBERS: AgencyRole[] = ['lead', 'member'];

const position = (
  agency: string,
  riskLevel: RiskLevel,
  extra: Partial<AgencyPosition> = {},
): AgencyPosition => ({ agency, role: 'member', domain: CYBER, riskLevel, ...extra });
const decision = (riskLevel: RiskLevel, domain = CYBER): CoordinatorDecision => ({
  domain,
  riskLevel,
  rationale: 'Coordinator weighed the CAISI range results against the CISA exercise.',
  decidedBy: 'coordinator@ostp',
});
const only = (outcomes: DomainOutcome[]): DomainOutcome => {
  expect(outcomes).toHaveLength(1);
  return outcomes[0];
};

describe('consolidate', () => {
  it('returns nothing for no positions', () => {
    expect(consolidate([], { votingRoles: MEMBERS })).toEqual([]);
  });

  it('finds consensus when every voting agency agrees', () => {
    const positions = [
      position('caisi', 'high', { role: 'lead', rationale: 'Solves 7 of 10 range scenarios.' }),
      position('nsa', 'high'),
      position('cisa', 'high'),
    ];
    const outcome = only(consolidate(positions, { votingRoles: MEMBERS }));
    expect(outcome).toMatchObject({ domain: CYBER, riskLevel: 'high', method: 'consensus' });
    expect(outcome.dissents).toEqual([]);
    expect(outcome.positions).toHaveLength(3);
  });

  it('takes a strict majority and records the minority as dissent', () => {
    const low = position('cisa', 'low', { rationale: 'Safeguards held.' });
    const outcome = only(
      consolidate([position('caisi', 'high', { role: 'lead' }), position('nsa', 'high'), low], {
        votingRoles: MEMBERS,
      }),
    );
    expect(outcome).toMatchObject({ riskLevel: 'high', method: 'majority' });
    expect(outcome.dissents).toEqual([low]);
  });

  it('does not call half a majority', () => {
    const outcome = only(
      consolidate(
        [
          position('caisi', 'high'),
          position('nsa', 'high'),
          position('cisa', 'low'),
          position('treasury', 'alert'),
        ],
        { votingRoles: MEMBERS },
      ),
    );
    expect(outcome).toMatchObject({ riskLevel: null, method: 'pending', dissents: [] });
  });

  it('waits for the coordinator when there is neither consensus nor majority', () => {
    const positions = [position('caisi', 'high'), position('nsa', 'low')];
    const pending = only(consolidate(positions, { votingRoles: MEMBERS }));
    expect(pending).toMatchObject({ riskLevel: null, method: 'pending', dissents: [] });
    expect(pending.positions).toHaveLength(2);

    const decided = only(
      consolidate(positions, { votingRoles: MEMBERS, decisions: [decision('high')] }),
    );
    expect(decided).toMatchObject({ riskLevel: 'high', method: 'coordinator' });
    expect(decided.dissents).toEqual([position('nsa', 'low')]);
  });

  it('lets the coordinator choose a level no agency gave, every agency then dissenting', () => {
    const positions = [position('caisi', 'high'), position('nsa', 'low')];
    const outcome = only(
      consolidate(positions, { votingRoles: MEMBERS, decisions: [decision('alert')] }),
    );
    expect(outcome).toMatchObject({ riskLevel: 'alert', method: 'coordinator' });
    expect(outcome.dissents).toHaveLength(2);
  });

  it('ignores a coordinator decision where there is consensus or a majority', () => {
    const consensus = [position('caisi', 'low'), position('nsa', 'low')];
    expect(
      only(consolidate(consensus, { votingRoles: MEMBERS, decisions: [decision('critical')] })),
    ).toMatchObject({ riskLevel: 'low', method: 'consensus' });

    const majority = [...consensus, position('cisa', 'critical')];
    expect(
      only(consolidate(majority, { votingRoles: MEMBERS, decisions: [decision('critical')] })),
    ).toMatchObject({ riskLevel: 'low', method: 'majority' });
  });

  it('applies the latest decision for a domain', () => {
    const positions = [position('caisi', 'high'), position('nsa', 'low')];
    const outcome = only(
      consolidate(positions, {
        votingRoles: MEMBERS,
        decisions: [decision('alert'), decision('critical', INFRA), decision('high')],
      }),
    );
    expect(outcome).toMatchObject({ riskLevel: 'high', method: 'coordinator' });
  });

  describe('agencies that do not vote', () => {
    const adviser = position('ostp', 'critical', {
      role: 'adviser',
      rationale: 'Dual-use concern.',
    });

    it('records a differing adviser as a dissent without letting it break consensus', () => {
      const outcome = only(
        consolidate([position('caisi', 'high'), position('nsa', 'high'), adviser], {
          votingRoles: MEMBERS,
        }),
      );
      expect(outcome).toMatchObject({ riskLevel: 'high', method: 'consensus' });
      expect(outcome.dissents).toEqual([adviser]);
      expect(outcome.positions).toContainEqual(adviser);
    });

    it('never counts advisers or observers towards a majority', () => {
      const outcome = only(
        consolidate(
          [
            position('caisi', 'high'),
            position('nsa', 'low'),
            position('ostp', 'high', { role: 'adviser' }),
            position('ncd', 'high', { role: 'adviser' }),
            position('omb', 'high', { role: 'observer' }),
          ],
          { votingRoles: MEMBERS },
        ),
      );
      expect(outcome).toMatchObject({ riskLevel: null, method: 'pending' });
    });

    it('leaves a domain only advisers spoke to for the coordinator', () => {
      const positions = [adviser];
      expect(only(consolidate(positions, { votingRoles: MEMBERS }))).toMatchObject({
        method: 'pending',
      });
      expect(
        only(consolidate(positions, { votingRoles: MEMBERS, decisions: [decision('high')] })),
      ).toMatchObject({ riskLevel: 'high', method: 'coordinator', dissents: [adviser] });
    });

    it('follows the protocol on who votes: the lead can be excluded', () => {
      const positions = [
        position('caisi', 'critical', { role: 'lead' }),
        position('nsa', 'alert'),
        position('cisa', 'alert'),
      ];
      expect(only(consolidate(positions, { votingRoles: ['member'] }))).toMatchObject({
        riskLevel: 'alert',
        method: 'consensus',
      });
      expect(only(consolidate(positions, { votingRoles: MEMBERS }))).toMatchObject({
        riskLevel: 'alert',
        method: 'majority',
      });
    });
  });

  describe('an agency with several positions in a domain', () => {
    it('counts once, at its highest level', () => {
      const outcome = only(
        consolidate(
          [
            position('caisi', 'low', { stepId: 'ctf' }),
            position('caisi', 'low', { stepId: 'elicitation' }),
            position('caisi', 'low', { stepId: 'reference-comparison' }),
            position('nsa', 'high'),
            position('cisa', 'high'),
          ],
          { votingRoles: MEMBERS },
        ),
      );
      expect(outcome).toMatchObject({ riskLevel: 'high', method: 'majority' });
      // CAISI's three steps are one dissenting agency, with all three positions on record.
      expect(outcome.dissents.map((d) => d.stepId)).toEqual([
        'ctf',
        'elicitation',
        'reference-comparison',
      ]);
    });

    it("does not make an agency's own lower step a dissent when its highest agrees", () => {
      const lowStep = position('caisi', 'low', { stepId: 'ctf' });
      const criticalStep = position('caisi', 'critical', { stepId: 'cyber-range' });
      const outcome = only(
        consolidate([lowStep, criticalStep, position('nsa', 'critical')], { votingRoles: MEMBERS }),
      );
      expect(outcome).toMatchObject({ riskLevel: 'critical', method: 'consensus', dissents: [] });
      expect(outcome.positions).toContainEqual(lowStep);
    });

    it('records only the positions that carry a dissenting agency’s level', () => {
      const outcome = only(
        consolidate(
          [
            position('caisi', 'low', { stepId: 'ctf' }),
            position('caisi', 'critical', { stepId: 'cyber-range' }),
            position('nsa', 'alert'),
            position('cisa', 'alert'),
          ],
          { votingRoles: MEMBERS },
        ),
      );
      expect(outcome).toMatchObject({ riskLevel: 'alert', method: 'majority' });
      expect(outcome.dissents).toEqual([position('caisi', 'critical', { stepId: 'cyber-range' })]);
    });
  });

  it('consolidates each domain on its own and sorts outcomes by domain', () => {
    const outcomes = consolidate(
      [
        position('caisi', 'high', { domain: CYBER }),
        position('cisa', 'alert', { domain: INFRA }),
        position('nsa', 'high', { domain: CYBER }),
        position('treasury', 'low', { domain: 'clearinghouse' }),
      ],
      { votingRoles: MEMBERS, decisions: [decision('critical', 'no-positions-here')] },
    );
    expect(outcomes.map((o) => [o.domain, o.riskLevel, o.method])).toEqual([
      ['clearinghouse', 'low', 'consensus'],
      [INFRA, 'alert', 'consensus'],
      [CYBER, 'high', 'consensus'],
    ]);
  });
});

describe('rationaleRequired', () => {
  it.each([
    ['low', 'high', false],
    ['alert', 'high', false],
    ['high', 'high', true],
    ['critical', 'high', true],
    ['low', 'low', true],
    ['high', 'critical', false],
  ] as const)('%s with the threshold at %s: %s', (level, from, expected) => {
    expect(rationaleRequired(level, from)).toBe(expected);
  });
});

describe('highestRisk', () => {
  it('is null for no levels', () => {
    expect(highestRisk([])).toBeNull();
  });

  it('orders low < alert < high < critical', () => {
    expect(highestRisk(['alert', 'low'])).toBe('alert');
    expect(highestRisk(['low', 'critical', 'high'])).toBe('critical');
    expect(highestRisk(['high', 'alert', 'high'])).toBe('high');
  });

  it('refuses a level that is not one', () => {
    expect(() => highestRisk(['low', 'severe' as RiskLevel])).toThrow('"severe"');
  });
});

describe('consolidate properties', () => {
  const AGENCIES = ['caisi', 'nsa', 'cisa', 'treasury', 'ostp', 'ncd'];
  const DOMAINS = [CYBER, INFRA, 'safeguards'];
  const level = fc.constantFrom(...RISK_LEVELS);

  // A protocol gives each agency one role; positions then take the role of their agency.
  const scenario = fc
    .record({
      roles: fc.tuple(...AGENCIES.map(() => fc.constantFrom(...AGENCY_ROLES))),
      votingRoles: fc.subarray([...AGENCY_ROLES]),
      raw: fc.array(
        fc.record({
          agency: fc.nat({ max: AGENCIES.length - 1 }),
          domain: fc.constantFrom(...DOMAINS),
          riskLevel: level,
          rationale: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
          stepId: fc.option(fc.constantFrom('s1', 's2', 's3'), { nil: undefined }),
        }),
        { maxLength: 25 },
      ),
      decisions: fc.array(
        fc.record({
          domain: fc.constantFrom(...DOMAINS),
          riskLevel: level,
          rationale: fc.constant('decided'),
          decidedBy: fc.constant('coordinator'),
        }),
        { maxLength: 3 },
      ),
    })
    .map(({ roles, votingRoles, raw, decisions }) => ({
      votingRoles,
      decisions,
      positions: raw.map(({ agency, rationale, stepId, ...rest }) => {
        const p: AgencyPosition = { agency: AGENCIES[agency], role: roles[agency], ...rest };
        if (rationale !== undefined) p.rationale = rationale;
        if (stepId !== undefined) p.stepId = stepId;
        return p;
      }),
    }));

  const highestByVoter = (positions: AgencyPosition[], votingRoles: AgencyRole[]) => {
    const levels = new Map<string, RiskLevel>();
    for (const p of positions) {
      if (!votingRoles.includes(p.role)) continue;
      levels.set(p.agency, highestRisk([p.riskLevel, levels.get(p.agency) ?? 'low']) as RiskLevel);
    }
    return levels;
  };

  it('finds consensus, without dissent, when every position is at the same level', () => {
    fc.assert(
      fc.property(scenario, level, ({ positions, votingRoles, decisions }, common) => {
        const same = positions.map((p) => ({ ...p, riskLevel: common }));
        for (const outcome of consolidate(same, { votingRoles, decisions })) {
          const hasVoter = outcome.positions.some((p) => votingRoles.includes(p.role));
          if (!hasVoter) continue;
          expect(outcome).toMatchObject({ riskLevel: common, method: 'consensus', dissents: [] });
        }
      }),
    );
  });

  it("takes its level from the voters, or from the coordinator's latest decision", () => {
    fc.assert(
      fc.property(scenario, ({ positions, votingRoles, decisions }) => {
        for (const outcome of consolidate(positions, { votingRoles, decisions })) {
          const voters = highestByVoter(outcome.positions, votingRoles);
          const tally = [...voters.values()];
          const latest = decisions.filter((d) => d.domain === outcome.domain).pop();
          switch (outcome.method) {
            case 'consensus':
              expect(tally.length).toBeGreaterThan(0);
              expect(tally.every((l) => l === outcome.riskLevel)).toBe(true);
              break;
            case 'majority':
              expect(tally.filter((l) => l === outcome.riskLevel).length * 2).toBeGreaterThan(
                tally.length,
              );
              expect(new Set(tally).size).toBeGreaterThan(1);
              break;
            case 'coordinator':
              expect(outcome.riskLevel).toBe(latest?.riskLevel);
              for (const l of RISK_LEVELS) {
                expect(tally.filter((t) => t === l).length * 2).toBeLessThanOrEqual(tally.length);
              }
              break;
            case 'pending':
              expect(outcome.riskLevel).toBeNull();
              expect(latest).toBeUndefined();
              break;
          }
        }
      }),
    );
  });

  it('loses no position and drops no dissent', () => {
    fc.assert(
      fc.property(scenario, ({ positions, votingRoles, decisions }) => {
        const outcomes = consolidate(positions, { votingRoles, decisions });
        const recorded = outcomes.flatMap((o) => o.positions);
        const key = (p: AgencyPosition) => JSON.stringify(p);
        expect(recorded.map(key).sort()).toEqual(positions.map(key).sort());

        for (const outcome of outcomes) {
          expect(outcome.positions.every((p) => p.domain === outcome.domain)).toBe(true);
          for (const d of outcome.dissents) expect(outcome.positions).toContain(d);
          if (outcome.riskLevel === null) {
            expect(outcome.dissents).toEqual([]);
            continue;
          }
          // Every agency whose own level differs has all of that level's positions in dissent.
          for (const agency of new Set(outcome.positions.map((p) => p.agency))) {
            const own = outcome.positions.filter((p) => p.agency === agency);
            const top = highestRisk(own.map((p) => p.riskLevel));
            const expected =
              top === outcome.riskLevel ? [] : own.filter((p) => p.riskLevel === top);
            expect(outcome.dissents.filter((d) => d.agency === agency)).toEqual(expected);
          }
        }
      }),
    );
  });

  it('does not depend on the order positions arrive in', () => {
    const shuffled = scenario.chain((s) =>
      fc
        .shuffledSubarray(s.positions, {
          minLength: s.positions.length,
          maxLength: s.positions.length,
        })
        .map((reordered) => ({ ...s, reordered })),
    );
    fc.assert(
      fc.property(shuffled, ({ positions, reordered, votingRoles, decisions }) => {
        expect(consolidate(reordered, { votingRoles, decisions })).toEqual(
          consolidate(positions, { votingRoles, decisions }),
        );
      }),
    );
  });

  it('keeps the level when a dissenting minority joins a consensus', () => {
    const agencies = fc.uniqueArray(fc.constantFrom(...AGENCIES, 'dhs', 'doe', 'state', 'doj'), {
      minLength: 1,
    });
    fc.assert(
      fc.property(
        agencies,
        level,
        fc.array(level),
        fc.option(level, { nil: undefined }),
        (names, common, others, decided) => {
          // A consensus of k agencies, then m < k more agencies at levels other than the consensus.
          const k = Math.floor(names.length / 2) + 1;
          const minority = names
            .slice(k)
            .map((agency, i) => ({ agency, level: others[i] ?? 'low' }))
            .filter((a) => a.level !== common);
          const positions = [
            ...names.slice(0, k).map((agency) => position(agency, common)),
            ...minority.map((a) => position(a.agency, a.level)),
          ];
          const decisions = decided ? [decision(decided)] : [];
          const outcome = only(consolidate(positions, { votingRoles: MEMBERS, decisions }));
          expect(outcome.riskLevel).toBe(common);
          expect(outcome.method).toBe(minority.length === 0 ? 'consensus' : 'majority');
          expect(outcome.dissents).toHaveLength(minority.length);
        },
      ),
    );
  });
});
