import { gunzipSync, gzipSync, constants } from 'node:zlib';
import type {
  FollowedProjection,
  ProjectionResult,
} from '../../libs/domain/src/review/review.types';

/**
 * What a following projection wrote beyond its batch, as it is kept in its result (and so in the
 * review's history): the JSON of `{events, state}`, gzipped, in base64. The review workflow never
 * reads it; operators' rebuilds do (`followedOf`). As a plain object it was the largest payload
 * of a review's history (6.5 KiB of 41 for the bench's shape), and the workflow decoded it into
 * objects in its sandbox at every projection's return: packed, it is one short string.
 */
export function packFollowed(followed: FollowedProjection): string {
  return gzipSync(JSON.stringify(followed), { level: constants.Z_BEST_SPEED }).toString('base64');
}

/** The followed events and state a projection's result holds, packed or (before) as an object. */
export function followedOf(
  result: Pick<ProjectionResult, 'followed' | 'followedPacked'> | undefined,
): FollowedProjection | undefined {
  if (result?.followedPacked) {
    return JSON.parse(
      gunzipSync(Buffer.from(result.followedPacked, 'base64')).toString('utf8'),
    ) as FollowedProjection;
  }
  return result?.followed;
}
