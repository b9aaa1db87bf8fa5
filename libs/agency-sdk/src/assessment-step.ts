import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type {
  AutomatedStepInput,
  AutomatedStepResult,
} from '../../../workflows/workstream.workflow';
import { ArtifactCollector, type ArtifactInput, type ArtifactRecord } from './artifacts';
import { AssessmentDomainError } from './errors';

export type { AutomatedStepInput, AutomatedStepResult };
export { AssessmentDomainError };

/** What a step's `run` returns; its artifacts are attached through `ctx.attachArtifact`. */
export type AssessmentStepResult = Omit<AutomatedStepResult, 'artifacts'>;

/** What a step's `run` receives besides its input. */
export interface AssessmentStepContext<P = unknown> {
  /** Report progress; it is also what a restarted attempt resumes from (`resumeFrom`). */
  heartbeat(progress: P): void;
  /** Progress recorded by the previous attempt of this step, if it was interrupted. */
  resumeFrom: P | undefined;
  /**
   * Aborted when the review is withdrawn or the step is cancelled, the attempt times out, or the
   * worker shuts down; pass it to fetch().
   */
  signal: AbortSignal;
  /** Structured logger; never log `access.apiKey`. */
  log: typeof log;
  attempt: number;
  /**
   * Attach an artifact to the step's finding: sha256 and size are computed, U and CUI content up
   * to 256 KiB is kept inline, CLASSIFIED items are recorded by `reference` only. Throws an
   * AssessmentDomainError for an artifact the engine may not hold. Only the artifacts of the
   * attempt that succeeds reach the finding.
   */
  attachArtifact(artifact: ArtifactInput): ArtifactRecord;
}

export interface AssessmentStepDefinition<P = unknown> {
  /** The step type a protocol names (`stepType`), e.g. `caisi.ctf-evaluation`. */
  kind: string;
  version: string;
  description?: string;
  /** JSON Schema of `input.parameters` and of the result; published in the step registry. */
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  run(ctx: AssessmentStepContext<P>, input: AutomatedStepInput): Promise<AssessmentStepResult>;
}

/** Declare an automated assessment step an agency worker serves. */
export function defineAssessmentStep<P = unknown>(
  def: AssessmentStepDefinition<P>,
): AssessmentStepDefinition<P> {
  if (!/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/.test(def.kind)) {
    throw new Error(
      `kind: "${def.kind}" must look like <agency>.<step>, e.g. caisi.ctf-evaluation`,
    );
  }
  return def;
}

/** Longest gap between keep-alive heartbeats, in ms. */
export const MAX_KEEP_ALIVE_MS = 5_000;

/** How often the wrapper heartbeats on its own while `run` is in progress. */
export function keepAliveIntervalMs(heartbeatTimeoutMs: number | undefined): number {
  return heartbeatTimeoutMs
    ? Math.max(100, Math.min(heartbeatTimeoutMs / 3, MAX_KEEP_ALIVE_MS))
    : MAX_KEEP_ALIVE_MS;
}

/**
 * Wrap a step as a Temporal activity: context, heartbeats (with keep-alives), artifacts, typed
 * non-retryable failures.
 */
export function toActivity<P>(
  def: AssessmentStepDefinition<P>,
): (input: AutomatedStepInput) => Promise<AutomatedStepResult> {
  return async (input) => {
    const ctx = Context.current();
    // A fresh collector per attempt: what a failed attempt attached never reaches the finding.
    const artifacts = new ArtifactCollector();
    // Keep-alives re-send the last progress: a heartbeat without details would erase what the
    // next attempt resumes from.
    let lastProgress = ctx.info.heartbeatDetails as P | undefined;
    const context: AssessmentStepContext<P> = {
      heartbeat: (progress) => {
        lastProgress = progress;
        ctx.heartbeat(progress);
      },
      resumeFrom: ctx.info.heartbeatDetails as P | undefined,
      signal: ctx.cancellationSignal,
      log,
      attempt: ctx.info.attempt,
      attachArtifact: (artifact) => artifacts.attach(artifact),
    };
    // Temporal delivers cancellation (withdrawal) and "attempt timed out" only in answer to a
    // heartbeat, so a step blocked on a slow request would otherwise learn of them only after the
    // request returns. The trade-off: because of these keep-alives, heartbeatTimeout now detects
    // a dead worker process, not a hung request; a step must bound each request itself (the CTF
    // step gives every request 30 s) and rely on startToCloseTimeout as the last resort.
    const keepAlive = setInterval(() => {
      if (!ctx.cancellationSignal.aborted) ctx.heartbeat(lastProgress);
    }, keepAliveIntervalMs(ctx.info.heartbeatTimeoutMs));
    try {
      const result = await def.run(context, input);
      const attached = artifacts.collected();
      // Artifacts come from attachArtifact only, where they are checked.
      const { artifacts: _returned, ...rest } = result as AutomatedStepResult;
      return attached ? { ...rest, artifacts: attached } : rest;
    } catch (err) {
      // By name too: an agency may bundle its own copy of the SDK, which breaks instanceof.
      if (
        err instanceof AssessmentDomainError ||
        (err instanceof Error && err.name === 'AssessmentDomainError')
      ) {
        throw ApplicationFailure.nonRetryable(err.message, 'AssessmentDomainError');
      }
      throw err;
    } finally {
      clearInterval(keepAlive);
    }
  };
}
