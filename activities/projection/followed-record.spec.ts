import type { FollowedProjection, ReviewState } from '../../libs/domain/src/review/review.types';
import { followedOf, packFollowed } from './followed-record';

describe('the followed record in a projection result', () => {
  const followed: FollowedProjection = {
    events: [4, 5, 6].map((seq) => ({
      seq,
      type: 'step_done',
      actor: 'analyst@caisi.example.gov',
      at: '2027-01-04T15:00:00.000Z',
      details: { summary: `“quoted” \\ ${'x'.repeat(seq * 50)} ✓ 🚀`, nothing: null },
    })),
    // Serialisation only: any JSON the state holds comes back as it was.
    state: {
      reviewId: 'r',
      seq: 6,
      workstreams: [{ steps: [{ stepId: 's1' }] }],
    } as unknown as ReviewState,
  };

  it('comes back whole from its packed form, which is a shorter string than its JSON', () => {
    const packed = packFollowed(followed);
    expect(typeof packed).toBe('string');
    expect(packed.length).toBeLessThan(JSON.stringify(followed).length);
    expect(followedOf({ followedPacked: packed })).toEqual(followed);
  });

  it('reads the unpacked object that results held before, and nothing from a result without one', () => {
    expect(followedOf({ followed })).toBe(followed);
    expect(followedOf({})).toBeUndefined();
    expect(followedOf(undefined)).toBeUndefined();
  });

  it('throws on a packed record that is not gzip (the rebuild names its history event)', () => {
    expect(() => followedOf({ followedPacked: 'bm90IGd6aXA=' })).toThrow(/header/);
  });
});
