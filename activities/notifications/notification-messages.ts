/**
 * What a review event tells people, as a pure mapping: which kind of notification it is, who
 * hears of it (agencies, coordinators) and the message. Messages say only what happened, with ids
 * and a link: never finding content (summaries, rationales, risk levels, artifacts) or credentials.
 */
import type { MarkingLevel } from '../../libs/domain/src/protocol/protocol.types';
import type { ReviewEvent, ReviewState } from '../../libs/domain/src/review/review.types';

export const NOTIFICATION_KINDS = [
  'assignment',
  'finding',
  'reminder',
  'deadline_missed',
  'escalation',
  'extension_decision',
  'determination',
  'closure',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NotificationMessage {
  kind: NotificationKind;
  /** Agencies told (their recipients, webhook and opted-in users). */
  agencies: string[];
  /** Whether coordinators who opted in are told too. */
  coordinators: boolean;
  /**
   * Whether the developer who submitted the review is told too (at the intake's contact email):
   * only of what a developer may see, the determination and the closure.
   */
  developer: boolean;
  subject: string;
  text: string;
  /** The webhook body's `event`: only ids, codes and dates. */
  facts: Record<string, string | number>;
}

/** The marking a review's notifications carry, highest first. */
export function reviewMarking(
  protocol: { workstreams: { steps: { marking?: MarkingLevel }[] }[] },
  state: ReviewState,
): string {
  const findings = state.workstreams.flatMap((w) => w.steps.flatMap((s) => s.finding ?? []));
  const levels = [
    ...protocol.workstreams.flatMap((w) => w.steps.map((s) => s.marking ?? 'U')),
    ...findings.map((f) => f.marking),
  ];
  if (levels.includes('CLASSIFIED')) return 'CLASSIFIED';
  // The submission itself is the developer's proprietary information: CUI//SP-PROPIN at least,
  // plus any other CUI category an artifact of a finding carries.
  const categories = new Set(['SP-PROPIN']);
  for (const f of findings)
    for (const a of f.artifacts ?? [])
      if (a.marking === 'CUI' && a.cuiCategory)
        categories.add(a.cuiCategory.replace(/^CUI\/\//, ''));
  return `CUI//${[...categories].sort().join('/')}`;
}

/** The notification an event gives rise to, or undefined for events nobody is told of. */
export function notificationFor(
  event: ReviewEvent,
  state: ReviewState,
  marking: string,
  link: string,
): NotificationMessage | undefined {
  const d = event.details;
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
  const participants = state.workstreams.map((w) => w.agency);
  const lead = state.leadAgency ? [state.leadAgency] : participants;
  // Step deadlines are `step:<agency>:<step>`; stage deadlines concern the lead agency.
  const deadlineAgency = (id?: string) => {
    const m = /^step:([^:]+):/.exec(id ?? '');
    return m ? [m[1]] : lead;
  };
  const review = `Review ${state.reviewId.slice(0, 8)} (${state.modelName} ${state.modelVersion})`;
  const make = (
    kind: NotificationKind,
    agencies: string[],
    coordinators: boolean,
    what: string,
    facts: Record<string, string | number | undefined> = {},
  ): NotificationMessage => ({
    kind,
    agencies: [...new Set(agencies)],
    coordinators,
    developer: kind === 'determination' || kind === 'closure',
    subject: `[${marking}] ${review} ${what}`,
    text: [
      `${review} ${what}.`,
      '',
      `Review: ${state.reviewId}`,
      `Event: ${event.type} (#${event.seq}) at ${event.at}`,
      `Open it: ${link}`,
      '',
      `Marking: ${marking}. This message says only what happened; the details are in the engine.`,
    ].join('\n'),
    facts: Object.fromEntries(
      Object.entries(facts).filter((e): e is [string, string | number] => e[1] !== undefined),
    ),
  });

  switch (event.type) {
    // Manual steps wait for people; automated ones go to the agency's worker, not to an inbox.
    case 'step_open': {
      const agency = str('agency')!;
      return make('assignment', [agency], false, `step ${str('stepId')} assigned to ${agency}`, {
        agency,
        stepId: str('stepId'),
      });
    }
    case 'step_done': {
      const agency = str('agency')!;
      return make('finding', [agency, ...lead], false, `finding recorded by ${agency}`, {
        agency,
        stepId: str('stepId'),
      });
    }
    case 'reminder_sent':
      return make(
        'reminder',
        deadlineAgency(str('deadlineId')),
        false,
        `reminder: ${str('label')} due ${str('dueAt')}`,
        { deadlineId: str('deadlineId'), dueAt: str('dueAt') },
      );
    case 'deadline_missed':
      return make(
        'deadline_missed',
        deadlineAgency(str('deadlineId')),
        true,
        `missed deadline: ${str('label')} was due ${str('dueAt')}`,
        { deadlineId: str('deadlineId'), dueAt: str('dueAt') },
      );
    case 'escalation_raised':
    case 'escalation_climbed': {
      const level = Number(d.level);
      return make(
        'escalation',
        participants,
        true,
        `escalated to L${level} (${str('levelName')})`,
        { escalationId: str('escalationId'), level, levelName: str('levelName') },
      );
    }
    case 'escalation_exhausted':
      return make('escalation', participants, true, `escalation ladder exhausted`, {
        escalationId: str('escalationId'),
        level: Number(d.level),
      });
    case 'extension_granted':
    case 'extension_refused': {
      const decision = event.type === 'extension_granted' ? 'granted' : 'refused';
      return make(
        'extension_decision',
        deadlineAgency(str('deadlineId')),
        true,
        `extension ${str('extensionId')} ${decision}`,
        {
          deadlineId: str('deadlineId'),
          extensionId: str('extensionId'),
          decision,
          dueAt: str('after'),
        },
      );
    }
    case 'determination_issued':
      return make('determination', participants, true, `determination: ${str('determination')}`, {
        determination: str('determination'),
      });
    case 'review_closed':
      return make('closure', participants, true, `closed: ${str('closure')}`, {
        closure: str('closure'),
      });
    default:
      return undefined;
  }
}
