import amqp from 'amqplib';

/** Deletes a test's consumer queues and their dead-letter queues from the broker. */
export async function deleteQueues(rabbitmqUrl: string, queues: readonly string[]): Promise<void> {
  const connection = await amqp.connect(rabbitmqUrl);
  try {
    const channel = await connection.createChannel();
    for (const name of queues) {
      await channel.deleteQueue(name);
      await channel.deleteQueue(`${name}.dlq`);
    }
  } finally {
    await connection.close();
  }
}
