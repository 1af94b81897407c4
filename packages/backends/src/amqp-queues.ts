import type { Logger } from '@mesh/common';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';

/** How the bus declares its consumer queues and their dead-letter queues. */
export interface QueueSettings {
  /**
   * `quorum` (replicated, the broker's recommended durable type) or `classic` (brokers without quorum queues,
   * or queues that exist as classic already and must not be redeclared).
   */
  type: 'quorum' | 'classic';
  /**
   * Most ready messages a queue holds. Past it the broker refuses new messages (`reject-publish`), so a
   * publisher learns it from the missing confirm and delivers by its fallback instead of the broker dropping
   * the oldest event silently.
   */
  maxLength: number;
}

export const defaultQueueSettings: Readonly<QueueSettings> = Object.freeze({
  type: 'quorum',
  maxLength: 100_000,
});

/** The arguments a queue is declared with. */
export function queueArguments(settings: QueueSettings): Options.AssertQueue {
  return {
    durable: true,
    arguments: {
      'x-queue-type': settings.type,
      'x-max-length': settings.maxLength,
      'x-overflow': 'reject-publish',
    },
  };
}

/**
 * Declares `queue` durable with `settings`. A queue that already exists with other arguments (a classic queue
 * from an older version, another length limit) makes the broker refuse the declaration with 406 and close the
 * channel; that is tried on a channel of its own, and the existing queue is then used as it is, with a warning
 * saying how to convert it, rather than the agent failing to start.
 */
export async function declareQueue(
  connection: ChannelModel,
  channel: ConfirmChannel,
  queue: string,
  settings: QueueSettings,
  logger: Logger,
): Promise<void> {
  const probe = await connection.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.assertQueue(queue, queueArguments(settings));
  } catch (error: unknown) {
    if ((error as { code?: unknown }).code !== 406) throw error;
    await channel.checkQueue(queue);
    logger.warn(
      { queue, wanted: settings, err: (error as Error).message },
      'queue exists with other arguments; using it as it is (delete it while empty to redeclare it)',
    );
    return;
  } finally {
    await probe.close().catch(() => undefined);
  }
}
