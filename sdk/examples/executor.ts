import { createServer } from 'node:http';
import { Executor } from '@cron-observer/sdk';

// CRON_OBSERVER_URL, CRON_OBSERVER_API_KEY and CRON_OBSERVER_SIGNING_SECRET come from the environment.
const executor = new Executor();

executor.task('send-invoices', async (job) => {
  job.info(`sending the invoices due ${job.scheduledAt}`);
  const sent = await sendInvoices(job.metadata.batch_size as number | undefined);
  job.metric('invoices_sent', sent);
  if (sent === 0) throw new Error('no invoice could be sent'); // reported FAILED, with the stack
});

createServer(executor.httpHandler()).listen(Number(process.env.PORT ?? 3000));

async function sendInvoices(batchSize = 10): Promise<number> {
  return batchSize; // your work here
}
