import { Command, CommanderError, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadEnvironment } from '../../../config/environment';
import { ApiClient, ApiError } from './api-client';
import { Output, record, table } from './output';

interface StuckReport {
  checkedAt: string;
  reviewsChecked: number;
  items: {
    reviewId: string;
    stage: string;
    reasons: {
      kind: string;
      detail: string;
      agency?: string;
      stepId?: string;
      suggested: { command: string };
    }[];
  }[];
}
interface ReplayReport {
  replayed: number;
  failed: number;
  results: { workflowId: string; ok: boolean; errorType?: string; error?: string }[];
}
interface OpsRequest {
  id: string;
  action: string;
  reviewId?: string;
  query?: string;
  status: string;
  requestedBy: string;
  requestedAt: string;
  approvedBy?: string;
  reason: string;
  result?: Record<string, unknown>;
  error?: string;
}
interface RepairResult {
  action: string;
  reviewId: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

const REPLAY_CHUNK = 5;

/**
 * `reviewctl`: the operator CLI. Talks to the API only (REVIEWCTL_API_URL or --api), as the
 * operator its REVIEWCTL_TOKEN bearer token names.
 */
export interface CliIo {
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** The environment to read REVIEWCTL_* from (this process's when absent). */
  env?: Record<string, string | undefined>;
}

export function buildProgram(io: CliIo = {}, status = { exitCode: 0 }): Command {
  const env = io.env ? loadEnvironment(io.env) : loadEnvironment();
  const program = new Command('reviewctl')
    .description('Find stuck reviews, replay them against the current code, and repair them')
    .option('--api <url>', 'API base URL', env.REVIEWCTL_API_URL)
    .option('--json', 'print JSON instead of tables', false)
    .showHelpAfterError()
    .exitOverride();
  if (io.out || io.err)
    program.configureOutput({
      writeOut: (s) => io.out?.(s.trimEnd()),
      writeErr: (s) => io.err?.(s.trimEnd()),
    });

  const ctx = () => {
    const o = program.opts<{ api: string; as?: string; json: boolean }>();
    return {
      api: new ApiClient(o.api, env.REVIEWCTL_TOKEN),
      out: new Output(o.json, io.out),
      operator: o.as,
    };
  };
  /** The body of a repair: the reason (who acts is the token's subject). */
  const acting = (reason?: string) => (reason !== undefined ? { reason } : {});
  const reason = new Option(
    '-r, --reason <text>',
    'why (required for every repair)',
  ).makeOptionMandatory();
  const printRepair = (r: RepairResult) =>
    ctx().out.data(
      r,
      () => `${r.action} on ${r.reviewId}\n` + record({ before: r.before, after: r.after }),
    );
  const printRequest = (r: OpsRequest) =>
    ctx().out.data(r, () =>
      [
        r.status === 'pending'
          ? `request ${r.id} is waiting for a second operator: reviewctl approve ${r.id}`
          : `request ${r.id}: ${r.status}`,
        record({
          action: r.action,
          target: r.reviewId ?? r.query,
          requestedBy: r.requestedBy,
          approvedBy: r.approvedBy,
          result: r.result,
          error: r.error,
        }),
      ].join('\n'),
    );

  program
    .command('stuck')
    .description('List stuck reviews with the reason and a suggested action')
    .option('--stale-after <seconds>', 'report no progress after this many seconds', Number)
    .option(
      '--escalation-grace-seconds <n>',
      'an unacknowledged escalation is ignored after this',
      Number,
    )
    .option('--limit <n>', 'open reviews checked', Number)
    .action(async (o: { staleAfter?: number; escalationGraceSeconds?: number; limit?: number }) => {
      const { api, out } = ctx();
      const report = await api.get<StuckReport>('/ops/stuck', {
        noProgressSeconds: o.staleAfter,
        escalationGraceSeconds: o.escalationGraceSeconds,
        limit: o.limit,
      });
      out.data(report, () =>
        report.items.length === 0
          ? `nothing stuck (${report.reviewsChecked} open reviews checked)`
          : table(
              ['review', 'stage', 'reason', 'where', 'detail', 'suggested'],
              report.items.flatMap((i) =>
                i.reasons.map((r) => [
                  i.reviewId,
                  i.stage,
                  r.kind,
                  [r.agency, r.stepId].filter(Boolean).join('/'),
                  r.detail,
                  r.suggested.command,
                ]),
              ),
            ),
      );
    });

  program
    .command('replay')
    .description(
      'Replay one review, or every workflow a visibility query selects, against the current code',
    )
    .argument('[review]', 'review id')
    .option('-q, --query <query>', 'visibility query (batch)')
    .option('--limit <n>', 'at most this many workflows', Number, 100)
    .action(async (review: string | undefined, o: { query?: string; limit: number }) => {
      const { api, out } = ctx();
      if (!review === !o.query) throw new ApiError(0, 'give a review id or --query');
      let report: ReplayReport;
      if (review) report = await api.post<ReplayReport>(`/ops/reviews/${review}/replay`, {});
      else {
        const { workflowIds } = await api.get<{ workflowIds: string[] }>('/ops/workflows', {
          query: o.query,
          limit: o.limit,
        });
        report = { replayed: 0, failed: 0, results: [] };
        const bar = out.json
          ? undefined
          : new SingleBar(
              { format: 'replay [{bar}] {value}/{total} workflows, {failed} failed' },
              Presets.shades_classic,
            );
        bar?.start(workflowIds.length, 0, { failed: 0 });
        for (let i = 0; i < workflowIds.length; i += REPLAY_CHUNK) {
          const part = await api.post<ReplayReport>('/ops/replay', {
            workflowIds: workflowIds.slice(i, i + REPLAY_CHUNK),
          });
          report.replayed += part.replayed;
          report.failed += part.failed;
          report.results.push(...part.results);
          bar?.update(report.results.length, { failed: report.failed });
        }
        bar?.stop();
      }
      out.data(report, () =>
        [
          `${report.replayed} replayed, ${report.failed} failed`,
          table(
            ['workflow', 'ok', 'error'],
            report.results.map((r) => [
              r.workflowId,
              r.ok ? 'yes' : 'NO',
              r.error ? `${r.errorType}: ${r.error}` : '',
            ]),
          ),
        ].join('\n'),
      );
      if (report.failed > 0) status.exitCode = 2;
    });

  program
    .command('reset')
    .description(
      "Reset a review's workflow (a request for a second operator); --dry-run shows what would change",
    )
    .argument('<review>')
    .addOption(reason)
    .option(
      '--before-event <id>',
      'reset to the last completed workflow task before this event',
      Number,
    )
    .option('--no-reapply-signals', 'drop the signals received after the reset point')
    .option('--no-reapply-updates', 'drop the updates received after the reset point')
    .option('--dry-run', 'show the plan only')
    .action(
      async (
        review: string,
        o: {
          reason: string;
          beforeEvent?: number;
          reapplySignals: boolean;
          reapplyUpdates: boolean;
          dryRun?: boolean;
        },
      ) => {
        const { api, out } = ctx();
        const body = {
          ...acting(o.reason),
          beforeEventId: o.beforeEvent,
          reapplySignals: o.reapplySignals,
          reapplyUpdates: o.reapplyUpdates,
        };
        if (!o.dryRun)
          return printRequest(await api.post<OpsRequest>(`/ops/reviews/${review}/reset`, body));
        const plan = await api.post<{
          resetEventId: number;
          resetPointAt: string;
          reapplied: { eventId: number; kind: string; name: string }[];
          dropped: { eventId: number; kind: string; name: string }[];
          stepsRunAgain: { agency: string; stepId: string; status: string }[];
          deadlines: {
            deadlineId: string;
            status: string;
            basisAt: string;
            dueAt?: string;
            dueAfterReset?: string;
            dueIfClockRestarted?: string;
          }[];
        }>(`/ops/reviews/${review}/reset/plan`, body);
        out.data(plan, () =>
          [
            `reset to workflow task ${plan.resetEventId} (${plan.resetPointAt})`,
            `reapplied: ${plan.reapplied.map((m) => `${m.kind} ${m.name}`).join(', ') || 'none'}; dropped: ${plan.dropped.map((m) => `${m.kind} ${m.name}`).join(', ') || 'none'}`,
            `steps that run again: ${plan.stepsRunAgain.map((s) => `${s.agency}/${s.stepId}`).join(', ') || 'none'}`,
            table(
              [
                'deadline',
                'status',
                'basis (kept)',
                'due now',
                'due after reset',
                'if the clock restarted',
              ],
              plan.deadlines.map((d) => [
                d.deadlineId,
                d.status,
                d.basisAt,
                d.dueAt,
                d.dueAfterReset,
                d.dueIfClockRestarted,
              ]),
            ),
          ].join('\n'),
        );
      },
    );

  const activityCommand = (name: 'pause' | 'unpause', description: string) =>
    program
      .command(name)
      .description(description)
      .argument('<review>')
      .addOption(reason)
      .option('--agency <code>', "the agency's workstream (omit for the review's own activities)")
      .option('--step <id>', 'the step whose activity is meant')
      .option('--activity <id>', 'the activity id from `reviewctl stuck`')
      .action(
        async (
          review: string,
          o: { reason: string; agency?: string; step?: string; activity?: string },
        ) => {
          const body = {
            ...acting(o.reason),
            agency: o.agency,
            stepId: o.step,
            activityId: o.activity,
          };
          printRepair(
            await ctx().api.post<RepairResult>(`/ops/reviews/${review}/activities/${name}`, body),
          );
        },
      );
  activityCommand('pause', 'Pause an activity (no more attempts until unpaused)');
  activityCommand('unpause', 'Unpause an activity, with its attempts reset');

  program
    .command('retry')
    .description(
      'Retry a failed automated step, or with --activity (or --now) retry a pending activity now',
    )
    .argument('<review>')
    .addOption(reason)
    .option('--agency <code>', 'the agency')
    .option('--step <id>', 'the step')
    .option('--activity <id>', 'a pending activity to retry now')
    .option('--now', "retry the step's pending activity now instead of the failed step")
    .action(
      async (
        review: string,
        o: { reason: string; agency?: string; step?: string; activity?: string; now?: boolean },
      ) => {
        const { api } = ctx();
        if (o.activity || o.now) {
          const body = {
            ...acting(o.reason),
            agency: o.agency,
            stepId: o.step,
            activityId: o.activity,
          };
          return printRepair(
            await api.post<RepairResult>(`/ops/reviews/${review}/activities/retry`, body),
          );
        }
        if (!o.agency || !o.step)
          throw new ApiError(0, 'retry needs --agency and --step (or --activity)');
        printRepair(
          await api.post<RepairResult>(
            `/ops/reviews/${review}/steps/${o.agency}/${o.step}/retry`,
            acting(o.reason),
          ),
        );
      },
    );

  program
    .command('skip')
    .description(
      'Skip a step with a justification (a request for a second operator); recorded as skipped',
    )
    .argument('<review>')
    .addOption(reason)
    .requiredOption('--agency <code>', 'the agency')
    .requiredOption('--step <id>', 'the step')
    .action(async (review: string, o: { reason: string; agency: string; step: string }) => {
      printRequest(
        await ctx().api.post<OpsRequest>(
          `/ops/reviews/${review}/steps/${o.agency}/${o.step}/skip`,
          acting(o.reason),
        ),
      );
    });

  program
    .command('reassign')
    .description('Reassign a step to another analyst or agency')
    .argument('<review>')
    .addOption(reason)
    .requiredOption('--agency <code>', 'the agency whose step it is')
    .requiredOption('--step <id>', 'the step')
    .option('--to-analyst <id>', 'the analyst who must submit the finding')
    .option('--to-agency <code>', 'the agency now responsible')
    .action(
      async (
        review: string,
        o: { reason: string; agency: string; step: string; toAnalyst?: string; toAgency?: string },
      ) => {
        const body = { ...acting(o.reason), analyst: o.toAnalyst, toAgency: o.toAgency };
        printRepair(
          await ctx().api.post<RepairResult>(
            `/ops/reviews/${review}/steps/${o.agency}/${o.step}/reassign`,
            body,
          ),
        );
      },
    );

  program
    .command('escalate')
    .description('Force an escalation')
    .argument('<review>')
    .addOption(reason)
    .requiredOption('--subject <text>', 'what is escalated')
    .option('--level <n>', "a level of the protocol's ladder", Number)
    .action(async (review: string, o: { reason: string; subject: string; level?: number }) => {
      const body = { ...acting(o.reason), subject: o.subject, level: o.level };
      printRepair(await ctx().api.post<RepairResult>(`/ops/reviews/${review}/escalate`, body));
    });

  program
    .command('rebuild')
    .description("Rebuild a review's read model from its workflow state")
    .argument('<review>')
    .addOption(reason)
    .action(async (review: string, o: { reason: string }) => {
      printRepair(
        await ctx().api.post<RepairResult>(`/ops/reviews/${review}/rebuild`, acting(o.reason)),
      );
    });

  program
    .command('terminate')
    .description('Terminate a review workflow (a request for a second operator)')
    .argument('<review>')
    .addOption(reason)
    .action(async (review: string, o: { reason: string }) => {
      printRequest(
        await ctx().api.post<OpsRequest>(`/ops/reviews/${review}/terminate`, acting(o.reason)),
      );
    });

  program
    .command('batch')
    .description(
      'Repair every review a visibility query selects (a request for a second operator; rate-limited)',
    )
    .argument(
      '<action>',
      'reset, skip, retry, reassign, escalate, rebuild, terminate, activity-retry, activity-pause, activity-unpause, activity-reset',
    )
    .requiredOption('-q, --query <query>', 'visibility query over review workflows')
    .addOption(reason)
    .option('--agency <code>')
    .option('--step <id>')
    .option('--to-agency <code>')
    .option('--to-analyst <id>')
    .option('--subject <text>')
    .option('--level <n>', 'escalation level', Number)
    .option('--rate <n>', 'reviews per second', Number)
    .option('--limit <n>', 'at most this many reviews', Number)
    .action(
      async (
        action: string,
        o: {
          query: string;
          reason: string;
          agency?: string;
          step?: string;
          toAgency?: string;
          toAnalyst?: string;
          subject?: string;
          level?: number;
          rate?: number;
          limit?: number;
        },
      ) => {
        const body = {
          ...acting(o.reason),
          action,
          query: o.query,
          agency: o.agency,
          stepId: o.step,
          toAgency: o.toAgency,
          analyst: o.toAnalyst,
          subject: o.subject,
          level: o.level,
          ratePerSecond: o.rate,
          limit: o.limit,
        };
        printRequest(await ctx().api.post<OpsRequest>('/ops/batch', body));
      },
    );

  program
    .command('requests')
    .description('Repair requests (pending ones wait for a second operator)')
    .option('--status <status>', 'pending, running, executed, failed or rejected')
    .action(async (o: { status?: string }) => {
      const { api, out } = ctx();
      const { items } = await api.get<{ items: OpsRequest[] }>('/ops/requests', {
        status: o.status,
      });
      out.data(items, () =>
        table(
          ['id', 'action', 'target', 'status', 'requested by', 'at', 'approved by', 'reason'],
          items.map((r) => [
            r.id,
            r.action,
            r.reviewId ?? r.query,
            r.status,
            r.requestedBy,
            r.requestedAt,
            r.approvedBy,
            r.reason,
          ]),
        ),
      );
    });

  program
    .command('approve')
    .description("Approve another operator's request; the repair runs now")
    .argument('<request>')
    .option('-r, --reason <text>', 'a comment for the record')
    .action(async (request: string, o: { reason?: string }) => {
      printRequest(
        await ctx().api.post<OpsRequest>(`/ops/requests/${request}/approve`, acting(o.reason)),
      );
    });

  program
    .command('reject')
    .description('Turn a pending request down (or withdraw your own)')
    .argument('<request>')
    .addOption(reason)
    .action(async (request: string, o: { reason: string }) => {
      printRequest(
        await ctx().api.post<OpsRequest>(`/ops/requests/${request}/reject`, acting(o.reason)),
      );
    });

  return program;
}

/** Run the CLI; an API refusal prints its status, message and fields, and exits 1. */
export async function run(argv: string[], io: CliIo = {}): Promise<number> {
  const err = io.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  try {
    const status = { exitCode: 0 };
    await buildProgram(io, status).parseAsync(argv, { from: 'user' });
    return status.exitCode;
  } catch (e) {
    // Usage errors (a missing --reason) were printed by commander; --help ends here too.
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ApiError) {
      err(`error${e.status ? ` (${e.status})` : ''}: ${e.message}`);
      for (const f of e.errors) err(`  ${f.field}: ${f.message}`);
      return 1;
    }
    throw e;
  }
}
