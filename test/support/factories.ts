import { randomUUID } from 'node:crypto';
import type {
  ClockSpec,
  Protocol,
  ProtocolStep,
} from '../../libs/domain/src/protocol/protocol.types';
import type { ReviewIntake } from '../../libs/domain/src/review/review.types';

const seconds = (n: number): ClockSpec => ({ unit: 'duration', iso: `PT${n}S` });

/** A short unique suffix so every test has its own agencies, protocols and reviews. */
export const uniq = () => randomUUID().replace(/-/g, '').slice(0, 8);

/**
 * Protocols for tests: the shape of the default protocol with second-scale clocks.
 * `ProtocolFactory.singleStep().build()` or `ProtocolFactory.defaultShape().withClock(...).build()`.
 */
export class ProtocolFactory {
  private constructor(private readonly protocol: Protocol) {}

  static singleStep(agency = `a${uniq()}`): ProtocolFactory {
    return new ProtocolFactory({
      key: `test-${uniq()}`,
      version: 1,
      title: 'Single step test protocol',
      agencies: [{ code: agency, name: `Agency ${agency}`, role: 'lead' }],
      stages: {
        assessment: { clock: seconds(600), endNoLaterThanRelease: true },
        consolidation: {
          clock: seconds(600),
          votingRoles: ['lead', 'member'],
          rationaleRequiredFrom: 'high',
        },
        determination: {
          clock: seconds(600),
          automatic: true,
          byRiskLevel: {
            low: 'no_concerns',
            alert: 'mitigations_recommended',
            high: 'significant_concerns',
            critical: 'significant_concerns',
          },
        },
      },
      workstreams: [
        {
          agency,
          steps: [
            {
              id: 'review',
              title: 'Manual review',
              kind: 'manual',
              dependsOn: [],
              domain: 'offensive-cyber',
              marking: 'CUI',
            },
          ],
        },
      ],
      escalation: { levels: [{ level: 0, name: 'Staff leads', clock: seconds(600) }] },
      reminders: [],
      riskLevels: ['low', 'alert', 'high', 'critical'],
      outcomes: {
        determinations: ['no_concerns', 'mitigations_recommended', 'significant_concerns'],
        closures: ['completed', 'withdrawn', 'not_covered', 'lapsed'],
      },
    });
  }

  /** One automated step (`scan`, kind `<agency>.scan`) run by the agency's own worker. */
  static singleAutomatedStep(
    agency = `a${uniq()}`,
    step: Partial<ProtocolStep> = {},
  ): ProtocolFactory {
    const f = ProtocolFactory.singleStep(agency);
    f.protocol.workstreams[0].steps = [
      {
        id: 'scan',
        title: 'Scan',
        kind: 'automated',
        stepType: `${agency}.scan`,
        dependsOn: [],
        domain: 'offensive-cyber',
        marking: 'CUI',
        ...step,
      },
    ];
    return f;
  }

  /**
   * The default protocol's shape: intake, designation by a member agency, three agencies in
   * parallel (lead with an automated and a dependent manual step, two members), consolidation
   * by vote, coordinator-issued determination, a five-level ladder.
   */
  static defaultShape(): ProtocolFactory {
    const s = uniq();
    const lead = `l${s}`;
    const m1 = `m${s}`;
    const m2 = `n${s}`;
    const manual = (
      id: string,
      domain: string,
      extra: Partial<ProtocolStep> = {},
    ): ProtocolStep => ({
      id,
      title: id,
      kind: 'manual',
      dependsOn: [],
      domain,
      marking: 'CUI',
      ...extra,
    });
    return new ProtocolFactory({
      key: `test-${s}`,
      version: 1,
      title: 'Default-shaped test protocol',
      agencies: [
        { code: lead, name: 'Lead', role: 'lead' },
        { code: m1, name: 'Member one', role: 'member' },
        { code: m2, name: 'Member two', role: 'member' },
        { code: `o${s}`, name: 'Adviser', role: 'adviser' },
      ],
      stages: {
        intake: { clock: seconds(600), informationRequestClock: seconds(600) },
        designation: { agency: m1, clock: seconds(600) },
        assessment: { clock: seconds(600), endNoLaterThanRelease: true },
        consolidation: {
          clock: seconds(600),
          votingRoles: ['lead', 'member'],
          rationaleRequiredFrom: 'high',
        },
        determination: {
          clock: seconds(600),
          automatic: false,
          byRiskLevel: {
            low: 'no_concerns',
            alert: 'mitigations_recommended',
            high: 'significant_concerns',
            critical: 'significant_concerns',
          },
        },
      },
      workstreams: [
        {
          agency: lead,
          steps: [
            {
              id: 'ctf',
              title: 'CTF suite',
              kind: 'automated',
              stepType: `${lead}.ctf`,
              dependsOn: [],
              domain: 'offensive-cyber',
              marking: 'CUI',
              startToCloseTimeout: 'PT30S',
              retry: { maximumAttempts: 2, initialInterval: 'PT1S' },
            },
            manual('range', 'offensive-cyber', { dependsOn: ['ctf'] }),
          ],
        },
        { agency: m1, steps: [manual('benchmark', 'offensive-cyber', { marking: 'CLASSIFIED' })] },
        { agency: m2, steps: [manual('infrastructure', 'critical-infrastructure')] },
      ],
      escalation: {
        levels: [
          { level: 0, name: 'Staff leads', clock: seconds(600) },
          { level: 1, name: 'Senior agency officials', clock: seconds(600) },
          { level: 2, name: 'Vote of member agencies', clock: seconds(600) },
          { level: 3, name: 'Adviser objection window', clock: seconds(600) },
          { level: 4, name: 'Executive Office of the President', clock: seconds(600) },
        ],
      },
      reminders: [],
      riskLevels: ['low', 'alert', 'high', 'critical'],
      outcomes: {
        determinations: ['no_concerns', 'mitigations_recommended', 'significant_concerns'],
        closures: ['completed', 'withdrawn', 'not_covered', 'lapsed'],
      },
    });
  }

  /** Replace a stage's clock (e.g. a 2-second intake to watch a deadline pass). */
  withStageClock(
    stage: 'intake' | 'designation' | 'assessment' | 'consolidation' | 'determination',
    clock: ClockSpec,
  ): this {
    (this.protocol.stages[stage] as { clock: ClockSpec }).clock = clock;
    return this;
  }

  withEscalationClocks(clock: ClockSpec): this {
    for (const l of this.protocol.escalation.levels) l.clock = clock;
    return this;
  }

  /** Another agency (a member by default) with the same one manual step, `review`. */
  withAgency(agency: string, role: 'lead' | 'member' | 'adviser' | 'observer' = 'member'): this {
    this.protocol.agencies.push({ code: agency, name: `Agency ${agency}`, role });
    this.protocol.workstreams.push({
      agency,
      steps: [structuredClone(this.protocol.workstreams[0].steps[0])],
    });
    return this;
  }

  /** Need-to-know: `from`'s findings become visible to the `to` agencies. */
  sharingFindings(from: string, to: string[]): this {
    this.protocol.workstreams.find((w) => w.agency === from)!.sharesFindingsWith = to;
    return this;
  }

  /**
   * Every step automated (step type `<agency>.noop`, see `noopAgencyActivities`), so a review runs
   * from start to closure with nobody acting; the determination is issued automatically.
   */
  allAutomated(): this {
    for (const ws of this.protocol.workstreams) {
      for (const step of ws.steps) {
        step.kind = 'automated';
        step.stepType = `${ws.agency}.noop`;
        step.marking = 'CUI';
        // A result lost with a crashed worker or server is retried in seconds, not after an hour.
        step.startToCloseTimeout = 'PT10S';
        step.retry = { maximumAttempts: 10, initialInterval: 'PT1S' };
      }
    }
    return this.withAutomaticDetermination();
  }

  withoutStage(stage: 'intake' | 'designation'): this {
    delete this.protocol.stages[stage];
    return this;
  }

  withAutomaticDetermination(): this {
    this.protocol.stages.determination!.automatic = true;
    return this;
  }

  build(): Protocol {
    return structuredClone(this.protocol);
  }
}

export const secondsClock = seconds;

/** Intake data for a review. */
export class IntakeFactory {
  static build(overrides: Partial<ReviewIntake> = {}): ReviewIntake {
    const s = uniq();
    return {
      developerOrg: `Lab ${s}`,
      contactName: 'Dana Developer',
      contactEmail: 'dana@example.com',
      modelName: `model-${s}`,
      modelVersion: 'ckpt-1',
      accessArrangement: {
        type: 'hosted_endpoint',
        endpointUrl: 'http://127.0.0.1:9/v1',
        apiKey: 'sk-test-secret',
      },
      plannedReleaseDate: '2099-01-01',
      ...overrides,
    };
  }

  /** The HTTP body for POST /reviews. */
  static body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return { ...IntakeFactory.build(), ...overrides };
  }
}

/**
 * Agency workers' activities for an `allAutomated()` protocol: each step reports a low risk
 * after `delayMs()` (a little work keeps reviews in flight while a test breaks things).
 */
export function noopAgencyActivities(
  protocol: Protocol,
  delayMs: () => number = () => 0,
): Map<string, Record<string, () => Promise<{ riskLevel: 'low'; summary: string }>>> {
  const byAgency = new Map<
    string,
    Record<string, () => Promise<{ riskLevel: 'low'; summary: string }>>
  >();
  for (const ws of protocol.workstreams) {
    byAgency.set(ws.agency, {
      [`${ws.agency}.noop`]: async () => {
        await new Promise((r) => setTimeout(r, delayMs()));
        return { riskLevel: 'low', summary: 'no-op step' };
      },
    });
  }
  return byAgency;
}
