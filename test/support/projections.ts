import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { decode } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import { followedOf } from '../../activities/projection/followed-record';
import type {
  FollowedProjection,
  ProjectionBatch,
  ProjectionResult,
} from '../../libs/domain/src/review/review.types';
import { dataConverter } from '../../libs/temporal/src/connection';
import type { ReviewHandle } from './reviews';

const { EventType } = temporal.api.enums.v1;

/** The review's projectReview activities: each one's batch and the seq it reported back. */
export async function projections(r: ReviewHandle) {
  const events = (await r.fetchHistory()).events ?? [];
  const codecs = dataConverter().payloadCodecs ?? [];
  const read = async <T>(payloads?: Payload[] | null): Promise<T> =>
    defaultPayloadConverter.fromPayload<T>((await decode(codecs, payloads ?? []))[0]);
  const out: {
    batchSeqs: number[];
    done: boolean;
    projectedSeq?: number;
    followed?: FollowedProjection;
  }[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'projectReview') continue;
    const batch = await read<ProjectionBatch>(scheduled.input?.payloads);
    const done = events.find(
      (c) =>
        c.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED &&
        String(c.activityTaskCompletedEventAttributes?.scheduledEventId) === String(e.eventId),
    );
    const result = done
      ? await read<ProjectionResult>(done.activityTaskCompletedEventAttributes?.result?.payloads)
      : undefined;
    out.push({
      batchSeqs: batch.events.map((x) => x.seq),
      done: !!result,
      projectedSeq: result?.projectedSeq,
      followed: followedOf(result),
    });
  }
  return out;
}
