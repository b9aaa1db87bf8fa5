/** The API the page reads and acts through (same origin), with the response shapes it uses. */

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

/** Who the page acts as: what the API says about the token the user pasted (GET /auth/me). */
export interface Actor {
  id: string;
  agency?: string;
  role?: string;
}

/** The bearer token every request carries (set from the "Token" field). */
let bearerToken = '';
export function setBearerToken(token: string): void {
  bearerToken = token;
}
export const hasBearerToken = (): boolean => bearerToken !== '';

export interface ReviewSummary {
  id: string;
  status: 'open' | 'closed';
  stage: string;
  protocol: string;
  developerOrg: string;
  modelName: string;
  modelVersion: string;
  plannedReleaseDate: string;
  leadAgency?: string;
  nextDeadline?: string;
  overdue: boolean;
  escalationLevel?: number;
  closureReason?: string;
  determination?: string;
  progress: Record<string, number>;
  createdAt: string;
}

export interface ReviewPage {
  items: ReviewSummary[];
  nextCursor?: string;
}

export interface Step {
  stepId: string;
  title: string;
  kind: string;
  status: string;
  riskLevel?: string;
  summary?: string;
  submittedBy?: string;
  dueAt?: string;
  passedByBusinessDays?: number;
}

/**
 * What recording a finding answers: the step as the agency's workstream recorded it. The review
 * itself shows the finding a moment later; refetch it (or the inbox) to see the new state.
 */
export interface FindingReceipt {
  reviewId: string;
  agency: string;
  step: Step;
}

export interface Workstream {
  agency: string;
  role: string;
  status: string;
  progress: number;
  steps: Step[];
}

export interface Deadline {
  id: string;
  label: string;
  kind: string;
  status: string;
  dueAt?: string;
  clockStopped: boolean;
  passedByBusinessDays: number;
  extensions: { id: string; status: string; justification: string; requestedBy: string }[];
}

export interface Escalation {
  id: string;
  trigger: string;
  subject: string;
  level: number;
  levelName: string;
  status: string;
  /** Absent when the ladder level has no clock. */
  dueAt?: string;
  acknowledgedBy?: string;
}

export interface TimelineEvent {
  seq: number;
  type: string;
  actor: string;
  reason?: string;
  at: string;
  details: Record<string, unknown>;
}

export interface ReviewDetail extends ReviewSummary {
  designation?: string;
  workstreams: Workstream[];
  deadlines: Deadline[];
  escalations: Escalation[];
  timeline: TimelineEvent[];
}

export interface InboxItem {
  reviewId: string;
  developerOrg: string;
  modelName: string;
  modelVersion: string;
  stage: string;
  stepId: string;
  title: string;
  kind: string;
  domain: string;
  status: string;
  dueAt?: string;
  overdue: boolean;
  passedByBusinessDays: number;
}

export interface QueuedEscalation {
  reviewId: string;
  developerOrg: string;
  modelName: string;
  stage: string;
  escalationId: string;
  trigger: string;
  subject: string;
  level: number;
  levelName: string;
  raisedAt: string;
  dueAt?: string;
}

export interface CalendarDeadline {
  reviewId: string;
  modelName: string;
  developerOrg: string;
  deadlineId: string;
  label: string;
  kind: string;
  agency?: string;
  dueAt: string;
  clockStopped: boolean;
  pendingExtensions: number;
}

export interface Summary {
  openByStage: { stage: string; count: number }[];
  overdueStepsByAgency: { agency: string; overdueSteps: number }[];
  medianDaysPerStage: { stage: string; medianDays: number; samples: number }[];
}

export const RISK_LEVELS = ['low', 'alert', 'high', 'critical'] as const;
export const ESCALATION_TRIGGERS = ['missed_deadline', 'dissent', 'manual', 'failed_step'] as const;
export const REVIEW_SORTS = [
  ['-createdAt', 'Newest first'],
  ['createdAt', 'Oldest first'],
  ['nextDeadline', 'Next deadline'],
  ['plannedReleaseDate', 'Planned release'],
] as const;

/** `?a=1&b=2` from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal) {
  const res = await fetch(path, {
    method,
    signal,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(bearerToken ? { authorization: `Bearer ${bearerToken}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await res.json().catch(() => ({}))) as {
    message?: string | string[];
    errors?: FieldError[];
  };
  if (!res.ok) {
    const message = Array.isArray(payload.message)
      ? payload.message.join('; ')
      : (payload.message ?? `${res.status} ${res.statusText}`);
    throw new ApiError(res.status, message, payload.errors ?? []);
  }
  return payload as T;
}

export const api = {
  me: () => request<{ sub: string; role: string; agency?: string }>('GET', '/auth/me'),
  reviews: (q: string, signal?: AbortSignal) =>
    request<ReviewPage>('GET', `/reviews${q}`, undefined, signal),
  review: (id: string, signal?: AbortSignal) =>
    request<ReviewDetail>('GET', `/reviews/${encodeURIComponent(id)}`, undefined, signal),
  summary: (signal?: AbortSignal) => request<Summary>('GET', '/summary', undefined, signal),
  agencies: (signal?: AbortSignal) =>
    request<{ items: { code: string; name: string }[] }>('GET', '/agencies', undefined, signal),
  inbox: (agency: string, signal?: AbortSignal) =>
    request<{ agency: string; items: InboxItem[] }>(
      'GET',
      `/agencies/${encodeURIComponent(agency)}/inbox`,
      undefined,
      signal,
    ),
  escalations: (q: string, signal?: AbortSignal) =>
    request<{ items: QueuedEscalation[] }>('GET', `/escalations${q}`, undefined, signal),
  deadlines: (q: string, signal?: AbortSignal) =>
    request<{ items: CalendarDeadline[] }>('GET', `/deadlines${q}`, undefined, signal),
  submitFinding: (
    reviewId: string,
    body: {
      agency: string;
      stepId: string;
      riskLevel: string;
      summary: string;
      rationale?: string;
    },
  ) => request<FindingReceipt>('POST', `/reviews/${encodeURIComponent(reviewId)}/findings`, body),
  acknowledge: (reviewId: string, escalationId: string, reason?: string) =>
    request<ReviewDetail>(
      'POST',
      `/reviews/${encodeURIComponent(reviewId)}/escalations/${encodeURIComponent(escalationId)}/acknowledge`,
      { reason },
    ),
};
