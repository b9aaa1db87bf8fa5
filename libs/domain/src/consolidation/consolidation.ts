/**
 * Consolidation of agency positions into one risk level per domain, after the Team Telecom
 * precedent: consensus, else a majority of the voting agencies, else the coordinator decides.
 * Dissents are recorded, never dropped. Pure: bundled into workflow code.
 */
import { RISK_LEVELS, type AgencyRole, type RiskLevel } from '../protocol/protocol.types';

export interface AgencyPosition {
  agency: string;
  role: AgencyRole;
  domain: string;
  riskLevel: RiskLevel;
  rationale?: string;
  /** The step whose finding this is, when the position comes from a step. */
  stepId?: string;
}

export interface CoordinatorDecision {
  domain: string;
  riskLevel: RiskLevel;
  rationale: string;
  decidedBy: string;
}

export type ConsolidationMethod = 'consensus' | 'majority' | 'coordinator' | 'pending';

export interface DomainOutcome {
  domain: string;
  /** null while pending: no consensus, no majority and no coordinator decision yet. */
  riskLevel: RiskLevel | null;
  method: ConsolidationMethod;
  /**
   * The positions of every agency, voting or not, whose own level (its highest in the domain)
   * differs from the outcome. Empty while pending: there is nothing yet to dissent from.
   */
  dissents: AgencyPosition[];
  /** Every position given in the domain, voting or not. */
  positions: AgencyPosition[];
}

export interface ConsolidationOptions {
  /** Roles whose agencies vote; the others are recorded and may dissent, but never count. */
  votingRoles: AgencyRole[];
  /**
   * Consulted only where there is neither consensus nor majority. A later decision for a domain
   * replaces an earlier one.
   */
  decisions?: CoordinatorDecision[];
}

/**
 * One outcome per domain that has at least one position, sorted by domain.
 *
 * An agency with several positions in a domain (one per step) counts once, at its highest level:
 * a high finding on one step is not outweighed by a low one on another. For the same reason an
 * agency's lower positions are not dissents when its highest matches the outcome; they stay in
 * `positions`. Majorities are of the voting agencies that gave a position in the domain, so run
 * this once every expected position is in.
 *
 * The result does not depend on the order of `positions`.
 */
export function consolidate(
  positions: AgencyPosition[],
  opts: ConsolidationOptions,
): DomainOutcome[] {
  const voting = new Set<AgencyRole>(opts.votingRoles);
  const decisions = new Map<string, CoordinatorDecision>();
  for (const decision of opts.decisions ?? []) decisions.set(decision.domain, decision);

  const byDomain = new Map<string, AgencyPosition[]>();
  for (const position of positions) {
    const list = byDomain.get(position.domain);
    if (list) list.push(position);
    else byDomain.set(position.domain, [position]);
  }

  return [...byDomain.keys()]
    .sort(compareStrings)
    .map((domain) =>
      consolidateDomain(domain, byDomain.get(domain) ?? [], voting, decisions.get(domain)),
    );
}

/** Whether a position at `level` needs a written rationale, given the protocol's threshold. */
export function rationaleRequired(level: RiskLevel, from: RiskLevel): boolean {
  return rank(level) >= rank(from);
}

export function highestRisk(levels: RiskLevel[]): RiskLevel | null {
  let highest: RiskLevel | null = null;
  for (const level of levels) {
    if (highest === null || rank(level) > rank(highest)) highest = level;
  }
  return highest;
}

interface AgencyStance {
  level: RiskLevel;
  votes: boolean;
  positions: AgencyPosition[];
}

function consolidateDomain(
  domain: string,
  positions: AgencyPosition[],
  votingRoles: Set<AgencyRole>,
  decision: CoordinatorDecision | undefined,
): DomainOutcome {
  const sorted = [...positions].sort(comparePositions);
  const stances = stancesByAgency(sorted, votingRoles);

  const tally = new Map<RiskLevel, number>();
  let voters = 0;
  for (const stance of stances) {
    if (!stance.votes) continue;
    voters++;
    tally.set(stance.level, (tally.get(stance.level) ?? 0) + 1);
  }

  let riskLevel: RiskLevel | null = null;
  let method: ConsolidationMethod = 'pending';
  for (const [level, count] of tally) {
    if (count === voters) {
      [riskLevel, method] = [level, 'consensus'];
    } else if (count * 2 > voters) {
      [riskLevel, method] = [level, 'majority'];
    }
  }
  if (riskLevel === null && decision) {
    [riskLevel, method] = [decision.riskLevel, 'coordinator'];
  }

  const dissents =
    riskLevel === null
      ? []
      : stances.filter((s) => s.level !== riskLevel).flatMap((s) => s.positions);
  return { domain, riskLevel, method, dissents, positions: sorted };
}

/**
 * Each agency's level (its highest) and the positions that carry it. An agency votes if any of its
 * positions is in a voting role; a protocol gives each agency one role, so this only matters for
 * malformed input, where refusing a vote would be the worse error.
 */
function stancesByAgency(sorted: AgencyPosition[], votingRoles: Set<AgencyRole>): AgencyStance[] {
  const byAgency = new Map<string, AgencyPosition[]>();
  for (const position of sorted) {
    const list = byAgency.get(position.agency);
    if (list) list.push(position);
    else byAgency.set(position.agency, [position]);
  }
  return [...byAgency.values()].map((own) => {
    const level = highestRisk(own.map((p) => p.riskLevel)) as RiskLevel;
    return {
      level,
      votes: own.some((p) => votingRoles.has(p.role)),
      positions: own.filter((p) => p.riskLevel === level),
    };
  });
}

function rank(level: RiskLevel): number {
  const index = RISK_LEVELS.indexOf(level);
  if (index < 0) throw new RangeError(`Unknown risk level "${level}"`);
  return index;
}

// A total order on positions so that outcomes do not depend on the order findings arrived in.
// Plain code-unit comparison rather than localeCompare: workflow code must not depend on ICU data.
function comparePositions(a: AgencyPosition, b: AgencyPosition): number {
  return (
    compareStrings(a.agency, b.agency) ||
    rank(a.riskLevel) - rank(b.riskLevel) ||
    compareStrings(a.stepId ?? '', b.stepId ?? '') ||
    compareStrings(a.role, b.role) ||
    compareStrings(a.rationale ?? '', b.rationale ?? '')
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
