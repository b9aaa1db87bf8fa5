/**
 * Protocol validation: every error at once, each with a path a protocol author can follow
 * (`workstreams.caisi.steps[2].dependsOn: unknown step "ctf"`). Workstreams are addressed by their
 * agency code, every other list by index.
 *
 * Two passes over the same input. The shape pass is class-validator on `protocol.dto.ts` (types,
 * allowed values, unknown keys). The semantic pass reads the raw input defensively, so it still
 * runs where the shape is partly wrong and reports what the data allows it to see: a broken step
 * does not hide a cycle between two sound ones.
 */
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parseIsoDuration } from '../../clock/iso-duration';
import { RISK_LEVELS, type ClosureReason, type Protocol } from '../protocol.types';
import { IDENTIFIER_PATTERN, ProtocolDto } from './protocol.dto';

export interface ProtocolError {
  /** Where the error is, e.g. `workstreams.caisi.steps[2].dependsOn`; empty for the whole input. */
  path: string;
  message: string;
}

export type ProtocolValidationResult =
  { ok: true; protocol: Protocol } | { ok: false; errors: ProtocolError[] };

/**
 * Validate a protocol definition (parsed YAML or JSON). On success the protocol is a plain,
 * deep-copied object, safe to store and to hand to a workflow.
 */
export function validateProtocol(input: unknown): ProtocolValidationResult {
  if (!isRecord(input)) {
    return {
      ok: false,
      errors: [{ path: '', message: `a protocol must be an object; found ${describe(input)}` }],
    };
  }
  const paths = new PathNamer(input);
  const errors = dedupe([...shapeErrors(input, paths), ...semanticErrors(input, paths)]);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, protocol: structuredClone(input) as unknown as Protocol };
}

/** One line per error, `path: message`, in the order reported. */
export function formatProtocolErrors(errors: readonly ProtocolError[]): string {
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('\n');
}

// ---- paths ---------------------------------------------------------------------------------

type Segment = string | number;

/**
 * Turns segments into the documented path style. A workstream is named by its agency code when
 * that code is a plain identifier and the first workstream to claim it; otherwise (a missing code,
 * a duplicate) by index, so that two workstreams never share a path.
 */
class PathNamer {
  private readonly workstreamNames: string[];

  constructor(input: Record<string, unknown>) {
    const seen = new Set<string>();
    this.workstreamNames = asArray(input.workstreams).map((ws, i) => {
      const code = isRecord(ws) ? ws.agency : undefined;
      if (typeof code === 'string' && IDENTIFIER_PATTERN.test(code) && !seen.has(code)) {
        seen.add(code);
        return `workstreams.${code}`;
      }
      return `workstreams[${i}]`;
    });
  }

  workstream(index: number): string {
    return this.workstreamNames[index] ?? `workstreams[${index}]`;
  }

  of(segments: readonly Segment[]): string {
    let path = '';
    let start = 0;
    if (segments[0] === 'workstreams' && typeof segments[1] === 'number') {
      path = this.workstream(segments[1]);
      start = 2;
    }
    for (const s of segments.slice(start)) {
      if (typeof s === 'number') path += `[${s}]`;
      else if (/^[A-Za-z_$][\w$-]*$/.test(s)) path += path ? `.${s}` : s;
      else path += `[${JSON.stringify(s)}]`;
    }
    return path;
  }
}

// ---- shape: class-validator --------------------------------------------------------------

/**
 * Constraints that say the value has the wrong type (or is missing). When one fails, the others on
 * the same property only repeat it in other words, so only the first is reported.
 */
const TYPE_CONSTRAINTS = [
  'isDefined',
  'isArray',
  'isObject',
  'isString',
  'isNumber',
  'isInt',
  'isBoolean',
];

function shapeErrors(input: Record<string, unknown>, paths: PathNamer): ProtocolError[] {
  const dto = plainToInstance(ProtocolDto, input);
  const tree = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    skipMissingProperties: false,
    validationError: { target: false, value: true },
  });
  return flatten(tree, [], input, paths);
}

function flatten(
  tree: ValidationError[],
  parent: Segment[],
  raw: unknown,
  paths: PathNamer,
): ProtocolError[] {
  return tree.flatMap((e) => {
    // class-validator names list items by their index as a string; only lists have indexes.
    const segment: Segment =
      Array.isArray(raw) && /^\d+$/.test(e.property) ? Number(e.property) : e.property;
    const segments = [...parent, segment];
    const path = paths.of(segments);
    const own = messages(e).map((message) => ({ path, message }));
    const value =
      isRecord(raw) || Array.isArray(raw) ? (raw as Record<string, unknown>)[segment] : undefined;
    return [...own, ...flatten(e.children ?? [], segments, value, paths)];
  });
}

function messages(e: ValidationError): string[] {
  const constraints = e.constraints ?? {};
  const keys = Object.keys(constraints);
  if (keys.includes('whitelistValidation')) return ['unknown key'];
  const typeFailure = TYPE_CONSTRAINTS.find((k) => keys.includes(k));
  if (typeFailure) return [constraints[typeFailure]];
  // `nestedValidation` fires for a non-object list item; alone it is the only message we have.
  const rest = keys.filter((k) => k !== 'nestedValidation');
  return (rest.length > 0 ? rest : keys).map((k) =>
    k === 'nestedValidation' ? 'must be an object' : constraints[k],
  );
}

// ---- semantics ---------------------------------------------------------------------------

const DAY_UNITS = new Set(['business_days', 'calendar_days']);
const AUTOMATED_ONLY = [
  'startToCloseTimeout',
  'heartbeatTimeout',
  'noPollerTimeout',
  'retry',
  'parameters',
] as const;

function semanticErrors(p: Record<string, unknown>, paths: PathNamer): ProtocolError[] {
  const errors: ProtocolError[] = [];
  const add = (path: string, message: string) => errors.push({ path, message });

  const agencies = checkAgencies(p, add);
  const riskLevels = checkRiskLevels(p, add);
  checkStages(p, agencies, riskLevels, add);
  checkWorkstreams(p, agencies, paths, add);
  checkEscalation(p, add);
  asArray(p.reminders).forEach((r, i) =>
    checkClock(`reminders[${i}].before`, isRecord(r) ? r.before : undefined, add),
  );
  checkOutcomes(p, riskLevels, add);
  return errors;
}

type Add = (path: string, message: string) => void;

/** The declared agencies (code → role), or undefined when `agencies` is not a list at all. */
type Agencies = Map<string, unknown> | undefined;

function checkAgencies(p: Record<string, unknown>, add: Add): Agencies {
  if (!Array.isArray(p.agencies)) return undefined;
  const declared = new Map<string, unknown>();
  const firstIndex = new Map<string, number>();
  const leads: string[] = [];
  p.agencies.forEach((a, i) => {
    if (!isRecord(a)) return;
    if (a.role === 'lead') leads.push(typeof a.code === 'string' ? a.code : `agencies[${i}]`);
    if (typeof a.code !== 'string') return;
    if (firstIndex.has(a.code)) {
      add(
        `agencies[${i}].code`,
        `duplicate agency code "${a.code}" (first declared at agencies[${firstIndex.get(a.code)}])`,
      );
      return;
    }
    firstIndex.set(a.code, i);
    declared.set(a.code, a.role);
  });
  if (p.agencies.length > 0 && leads.length !== 1) {
    add(
      'agencies',
      leads.length === 0
        ? 'exactly one agency must have the role "lead"; none has'
        : `exactly one agency must have the role "lead"; found ${leads.length} (${leads.join(', ')})`,
    );
  }
  return declared;
}

function checkAgencyReference(path: string, code: unknown, agencies: Agencies, add: Add): void {
  if (agencies && typeof code === 'string' && !agencies.has(code)) {
    add(path, `agency "${code}" is not declared in agencies`);
  }
}

/** The declared risk levels when they are a list of known levels, for the checks that use them. */
function checkRiskLevels(p: Record<string, unknown>, add: Add): string[] | undefined {
  if (!Array.isArray(p.riskLevels)) return undefined;
  const levels = p.riskLevels;
  if (levels.length === 0) {
    add(
      'riskLevels',
      `at least one risk level is required, in the order ${RISK_LEVELS.join(', ')}`,
    );
    return undefined;
  }
  const canonical: readonly unknown[] = RISK_LEVELS;
  let previous = -1;
  let sound = true;
  levels.forEach((level, i) => {
    const rank = canonical.indexOf(level);
    if (rank === -1) {
      sound = false; // reported by the shape pass
      return;
    }
    if (levels.indexOf(level) !== i) {
      add(`riskLevels[${i}]`, `duplicate risk level "${String(level)}"`);
      sound = false;
    } else if (rank < previous) {
      add(
        `riskLevels[${i}]`,
        `"${String(level)}" comes after "${RISK_LEVELS[previous]}"; list risk levels in the order ${RISK_LEVELS.join(', ')}`,
      );
      sound = false;
    }
    previous = Math.max(previous, rank);
  });
  return sound ? (levels as string[]) : undefined;
}

function checkStages(
  p: Record<string, unknown>,
  agencies: Agencies,
  riskLevels: string[] | undefined,
  add: Add,
): void {
  if (!isRecord(p.stages)) return;
  const { intake, designation, assessment, consolidation, determination } = p.stages;
  if (isRecord(intake)) {
    checkClock('stages.intake.clock', intake.clock, add);
    checkClock('stages.intake.informationRequestClock', intake.informationRequestClock, add);
  }
  if (isRecord(designation)) {
    checkAgencyReference('stages.designation.agency', designation.agency, agencies, add);
    checkClock('stages.designation.clock', designation.clock, add);
  }
  if (isRecord(assessment)) checkClock('stages.assessment.clock', assessment.clock, add);
  if (isRecord(consolidation)) {
    checkClock('stages.consolidation.clock', consolidation.clock, add);
    const from = consolidation.rationaleRequiredFrom;
    if (
      riskLevels &&
      typeof from === 'string' &&
      (RISK_LEVELS as readonly string[]).includes(from) &&
      !riskLevels.includes(from)
    ) {
      add(
        'stages.consolidation.rationaleRequiredFrom',
        `"${from}" is not one of riskLevels (${riskLevels.join(', ')})`,
      );
    }
    const voting = asArray(consolidation.votingRoles);
    if (
      agencies &&
      agencies.size > 0 &&
      voting.length > 0 &&
      ![...agencies.values()].some((role) => voting.includes(role))
    ) {
      add(
        'stages.consolidation.votingRoles',
        `no declared agency has a voting role (${voting.join(', ')}); a vote would have no voters`,
      );
    }
  }
  if (isRecord(determination)) {
    checkClock('stages.determination.clock', determination.clock, add);
    const listed =
      isRecord(p.outcomes) && Array.isArray(p.outcomes.determinations)
        ? p.outcomes.determinations
        : undefined;
    if (isRecord(determination.byRiskLevel) && listed) {
      for (const [level, value] of Object.entries(determination.byRiskLevel)) {
        if (typeof value === 'string' && !listed.includes(value)) {
          add(
            `stages.determination.byRiskLevel.${level}`,
            `determination "${value}" is not listed in outcomes.determinations`,
          );
        }
      }
    }
  }
}

function checkWorkstreams(
  p: Record<string, unknown>,
  agencies: Agencies,
  paths: PathNamer,
  add: Add,
): void {
  const owner = new Map<string, string>();
  asArray(p.workstreams).forEach((ws, w) => {
    if (!isRecord(ws)) return;
    const at = paths.workstream(w);
    if (typeof ws.agency === 'string') {
      checkAgencyReference(`${at}.agency`, ws.agency, agencies, add);
      const first = owner.get(ws.agency);
      if (first !== undefined) {
        add(
          `${at}.agency`,
          `duplicate workstream for agency "${ws.agency}" (first at ${first}); each agency has one workstream`,
        );
      } else {
        owner.set(ws.agency, at);
      }
    }
    if (Array.isArray(ws.steps)) checkSteps(at, ws.steps, add);
    if (Array.isArray(ws.sharesFindingsWith)) {
      ws.sharesFindingsWith.forEach((code, i) => {
        if (typeof code === 'string' && code !== '*') {
          checkAgencyReference(`${at}.sharesFindingsWith[${i}]`, code, agencies, add);
        }
      });
    }
  });
}

function checkSteps(at: string, steps: unknown[], add: Add): void {
  // Step id → index of its first declaration; later duplicates are reported and left out of the graph.
  const index = new Map<string, number>();
  steps.forEach((s, i) => {
    if (!isRecord(s) || typeof s.id !== 'string') return;
    const first = index.get(s.id);
    if (first !== undefined)
      add(`${at}.steps[${i}].id`, `duplicate step id "${s.id}" (first at steps[${first}])`);
    else index.set(s.id, i);
  });

  // A step whose id cannot be read may be the one a dependency names: judge names only when all are known.
  const allNamed = steps.every((s) => isRecord(s) && typeof s.id === 'string');
  steps.forEach((s, i) => {
    if (!isRecord(s)) return;
    const step = `${at}.steps[${i}]`;
    for (const dep of allNamed ? asArray(s.dependsOn) : []) {
      if (typeof dep === 'string' && !index.has(dep))
        add(`${step}.dependsOn`, `unknown step "${dep}"`);
    }
    if (s.kind === 'automated') {
      if (s.stepType === undefined || s.stepType === null) {
        add(
          `${step}.stepType`,
          'an automated step must name the stepType its agency worker serves',
        );
      }
      if (s.marking === 'CLASSIFIED') {
        add(
          `${step}.marking`,
          'an automated step cannot be CLASSIFIED: classified work is recorded by an analyst as a reference only',
        );
      }
    } else if (s.kind === 'manual') {
      if (s.stepType !== undefined && s.stepType !== null) {
        add(
          `${step}.stepType`,
          'a manual step must not name a stepType: an analyst completes it through the API',
        );
      }
      for (const key of AUTOMATED_ONLY) {
        if (s[key] !== undefined && s[key] !== null)
          add(`${step}.${key}`, 'only automated steps take this setting');
      }
    }
    checkClock(`${step}.clock`, s.clock, add);
    checkDuration(`${step}.startToCloseTimeout`, s.startToCloseTimeout, add);
    checkDuration(`${step}.heartbeatTimeout`, s.heartbeatTimeout, add);
    checkDuration(`${step}.noPollerTimeout`, s.noPollerTimeout, add);
    if (isRecord(s.retry))
      checkDuration(`${step}.retry.initialInterval`, s.retry.initialInterval, add);
  });

  for (const cycle of findCycles(steps, index)) {
    add(
      `${at}.steps[${index.get(cycle[0])}].dependsOn`,
      `dependency cycle: ${[...cycle, cycle[0]].join(' → ')}`,
    );
  }
}

/**
 * Dependency cycles among the uniquely named steps, each once, each starting at its step declared
 * first. A depth-first search finds at least one cycle in every tangle, which is enough to name it.
 */
function findCycles(steps: unknown[], index: Map<string, number>): string[][] {
  const deps = (id: string): string[] => {
    const s = steps[index.get(id)!] as Record<string, unknown>;
    return asArray(s.dependsOn).filter((d): d is string => typeof d === 'string' && index.has(d));
  };
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles = new Map<string, string[]>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of deps(id)) {
      if (state.get(dep) === 'visiting') {
        const cycle = stack.slice(stack.indexOf(dep));
        const start = cycle.reduce(
          (best, s, k) => (index.get(s)! < index.get(cycle[best])! ? k : best),
          0,
        );
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(rotated.join('\u0000'), rotated);
      } else if (!state.has(dep)) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of index.keys()) if (!state.has(id)) visit(id);
  return [...cycles.values()];
}

function checkEscalation(p: Record<string, unknown>, add: Add): void {
  if (!isRecord(p.escalation) || !Array.isArray(p.escalation.levels)) return;
  const levels = p.escalation.levels;
  if (levels.length === 0) {
    add(
      'escalation.levels',
      'at least level 0 is required: missed deadlines and dissents escalate to it',
    );
    return;
  }
  let previous: number | undefined;
  levels.forEach((l, i) => {
    if (!isRecord(l)) return;
    checkClock(`escalation.levels[${i}].clock`, l.clock, add);
    const level = l.level;
    if (typeof level !== 'number' || !Number.isInteger(level)) {
      previous = undefined; // reported by the shape pass; nothing to compare the next level with
      return;
    }
    const path = `escalation.levels[${i}].level`;
    if (i === 0 && level !== 0) add(path, `the ladder starts at level 0; found ${level}`);
    else if (previous !== undefined && level <= previous) {
      add(path, `levels must be strictly increasing; ${level} comes after ${previous}`);
    } else if (previous !== undefined && level !== previous + 1) {
      add(
        path,
        `levels must climb by one with no gaps; expected ${previous + 1} after ${previous}, found ${level}`,
      );
    }
    // Against the highest level so far, so one misplaced level is reported once, not at every later one.
    previous = previous === undefined ? level : Math.max(previous, level);
  });
}

function checkOutcomes(
  p: Record<string, unknown>,
  riskLevels: string[] | undefined,
  add: Add,
): void {
  if (!isRecord(p.outcomes)) return;
  const { determinations, closures } = p.outcomes;

  const determination = isRecord(p.stages) ? p.stages.determination : undefined;
  const byRiskLevel =
    isRecord(determination) && isRecord(determination.byRiskLevel)
      ? determination.byRiskLevel
      : undefined;
  // Reachable: suggested for some risk level the protocol uses. Without usable risk levels every
  // level counts, so a risk-level mistake is not reported twice; and a mapping with gaps (already
  // reported) is not judged at all.
  const used: readonly string[] = riskLevels ?? RISK_LEVELS;
  const complete =
    byRiskLevel !== undefined && used.every((level) => typeof byRiskLevel[level] === 'string');
  const noStage = isRecord(p.stages) && (determination === undefined || determination === null);
  if (Array.isArray(determinations) && (complete || noStage)) {
    const reachable = new Set(used.map((level) => byRiskLevel?.[level]));
    determinations.forEach((d, i) => {
      if (typeof d !== 'string' || reachable.has(d)) return;
      add(
        `outcomes.determinations[${i}]`,
        byRiskLevel
          ? `determination "${d}" is unreachable: no risk level in riskLevels maps to it in stages.determination.byRiskLevel`
          : `determination "${d}" is unreachable: the protocol has no determination stage`,
      );
    });
  }

  if (Array.isArray(closures)) {
    const required: [ClosureReason, string][] = [
      ['completed', 'a review that runs every stage closes as completed'],
      ['withdrawn', 'withdrawal must always be possible'],
      ['lapsed', 'an assessment window can always end before the findings are in'],
    ];
    if (isRecord(p.stages) && isRecord(p.stages.designation)) {
      required.push(['not_covered', 'the designation stage can find the model not covered']);
    }
    for (const [reason, why] of required) {
      if (!closures.includes(reason)) add('outcomes.closures', `must include "${reason}": ${why}`);
    }
  }
}

// ---- clocks and durations ------------------------------------------------------------------

function checkClock(path: string, clock: unknown, add: Add): void {
  if (!isRecord(clock)) return; // missing or not an object: the shape pass says so
  const { unit, amount, iso } = clock;
  const present = (v: unknown) => v !== undefined && v !== null;
  if (typeof unit === 'string' && DAY_UNITS.has(unit)) {
    if (!present(amount))
      add(`${path}.amount`, `is required for ${unit}: a positive whole number of days`);
    else if (typeof amount === 'number' && !(Number.isInteger(amount) && amount > 0)) {
      add(`${path}.amount`, `must be a positive whole number of days; found ${amount}`);
    }
    if (present(iso))
      add(
        `${path}.iso`,
        `only a duration clock takes an ISO 8601 duration; ${unit} counts whole days in amount`,
      );
  } else if (unit === 'duration') {
    if (!present(iso))
      add(`${path}.iso`, 'is required for a duration clock: an ISO 8601 duration such as PT30S');
    else checkDuration(`${path}.iso`, iso, add);
    if (present(amount))
      add(`${path}.amount`, 'a duration clock takes its length from iso, not amount');
  }
}

/** A positive ISO 8601 duration; anything but a string is left to the shape pass. */
function checkDuration(path: string, iso: unknown, add: Add): void {
  if (typeof iso !== 'string') return;
  let ms: number;
  try {
    ms = parseIsoDuration(iso);
  } catch (err) {
    add(
      path,
      err instanceof Error
        ? err.message.replace(/^Invalid/, 'invalid')
        : `invalid ISO 8601 duration "${iso}"`,
    );
    return;
  }
  if (ms <= 0) add(path, `must be longer than zero; found "${iso}"`);
}

// ---- helpers -------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v;
}

function dedupe(errors: ProtocolError[]): ProtocolError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
