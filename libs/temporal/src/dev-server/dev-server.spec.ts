import { devServerArgs } from './dev-server';

/** The dynamic-config values among a dev server's arguments. */
const dynamicConfig = (args: string[]) =>
  args.flatMap((a, i) => (args[i - 1] === '--dynamic-config-value' ? [a] : []));

describe('devServerArgs', () => {
  it('sets the task queues to the partitions asked for, read and write', () => {
    expect(dynamicConfig(devServerArgs({ port: 7233, taskQueuePartitions: 1 }))).toEqual(
      expect.arrayContaining([
        'matching.numTaskqueueReadPartitions=1',
        'matching.numTaskqueueWritePartitions=1',
      ]),
    );
  });

  it("leaves the server's default partitions alone when none are asked for", () => {
    const config = dynamicConfig(devServerArgs({ port: 7233 }));
    expect(config.filter((c) => c.startsWith('matching.'))).toEqual([]);
    expect(config).toContain('frontend.activityAPIsEnabled=true');
  });
});
