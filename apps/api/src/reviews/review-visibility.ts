import type { Protocol } from '@engine/domain/protocol/protocol.types';
import { AGENCY_ROLES, type Principal } from '../auth/principal';
import type {
  ReviewDetailDto,
  ReviewSummaryDto,
  StepDto,
  TimelineEventDto,
} from './dtos/review-response.dto';

/**
 * Field-level access to a review, by who is looking:
 * - coordinator: everything (classified findings are references only for everyone: the workflow
 *   never stores their content).
 * - agency analyst or lead: its own workstream in full; another agency's findings (risk level,
 *   summary, marking, who submitted) only where that workstream's `sharesFindingsWith` names the
 *   viewer's agency or `*`; otherwise the step's progress only.
 * - developer: the status and the final report (determination, closure, questions put to it);
 *   no agency internals (workstreams, deadlines, escalations, consolidation, timeline, progress).
 */
export function visibleSummary(s: ReviewSummaryDto, viewer: Principal): ReviewSummaryDto {
  return viewer.role === 'developer' ? { ...s, progress: {} } : s;
}

/** Which agencies may see each agency's findings, from the protocol version of the review. */
export type FindingSharing = (owner: string, viewer: string) => boolean;

export function sharingOf(protocol: Pick<Protocol, 'workstreams'> | undefined): FindingSharing {
  const shares = new Map(
    (protocol?.workstreams ?? []).map((w) => [w.agency, w.sharesFindingsWith ?? []]),
  );
  return (owner, viewer) =>
    owner === viewer || !!shares.get(owner)?.some((a) => a === '*' || a === viewer);
}

export function visibleDetail(
  d: ReviewDetailDto,
  viewer: Principal,
  shared: FindingSharing,
): ReviewDetailDto {
  if (viewer.role === 'developer') {
    return {
      ...visibleSummary(d, viewer),
      designation: d.designation,
      workstreams: [],
      deadlines: [],
      escalations: [],
      informationRequests: d.informationRequests,
      consolidation: [],
      determinationRecord: d.determinationRecord,
      closure: d.closure,
      timeline: [],
    };
  }
  if (!AGENCY_ROLES.includes(viewer.role) || !viewer.agency) return d;
  const mine = viewer.agency;
  const sees = (agency: string) => shared(agency, mine);
  return {
    ...d,
    workstreams: d.workstreams.map((w) => ({
      ...w,
      steps: w.steps.map((s) => visibleStep(s, w.agency, viewer, shared)),
    })),
    consolidation: d.consolidation.map((o) => ({
      ...o,
      dissents: o.dissents.filter((x) => sees(x.agency)),
    })),
    timeline: d.timeline.map((e) => visibleEvent(e, sees)),
  };
}

/**
 * One step of `owner`'s workstream as `viewer` may see it: the rule the detail applies to every
 * step, also used on its own (the receipt of a submitted finding).
 */
export function visibleStep(
  s: StepDto,
  owner: string,
  viewer: Principal,
  shared: FindingSharing,
): StepDto {
  if (viewer.role === 'developer') return withoutFinding(s);
  if (!AGENCY_ROLES.includes(viewer.role) || !viewer.agency) return s;
  return shared(owner, viewer.agency) ? s : withoutFinding(s);
}

function withoutFinding(s: StepDto): StepDto {
  const { riskLevel: _r, summary: _s, marking: _m, submittedBy: _b, failure: _f, ...rest } = s;
  return rest;
}

function visibleEvent(e: TimelineEventDto, sees: (agency: string) => boolean): TimelineEventDto {
  const agency = e.details.agency;
  if (typeof agency !== 'string' || sees(agency)) return e;
  const { agency: a, stepId, status } = e.details;
  return {
    ...e,
    actor: `agency:${agency}`,
    reason: undefined,
    details: { agency: a, stepId, status },
  };
}
