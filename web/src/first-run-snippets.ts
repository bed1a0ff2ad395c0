/**
 * The first-run guide's copy-paste commands (README, "Your first monitored job"): create a task in
 * external mode, then report a run of it with curl, the SDK or the CLI. `apiKey` is a placeholder until
 * an admin makes one.
 */
import { execSnippet, JOB_COMMAND, type PingSnippet } from './ping-snippets';

export const FIRST_TASK_NAME = 'first-job';
export const API_KEY_PLACEHOLDER = '<api-key>';

export interface FirstRunSnippets {
  createTask: PingSnippet;
  ways: PingSnippet[];
}

export function firstRunSnippets(origin: string, projectId: string, apiKey = API_KEY_PLACEHOLDER, command = JOB_COMMAND): FirstRunSnippets {
  const api = `${origin}/api/v1`;
  const auth = `-H 'Authorization: Bearer ${apiKey}'`;
  const json = `-H 'Content-Type: application/json'`;
  const task = {
    name: FIRST_TASK_NAME,
    execution_mode: 'external',
    schedule_type: 'RECURRING',
    schedule_config: { cron_expression: '0 3 * * *', timezone: 'UTC' },
  };
  const createTask = {
    label: 'Create the task (external mode: your own cron or CI runs the job, at 03:00 UTC here)',
    value: `curl -fsS -X POST ${auth} ${json} -d '${JSON.stringify(task)}' ${api}/projects/${projectId}/tasks`,
  };
  const curlRun = [
    `E=$(curl -fsS -X POST ${auth} ${api}/projects/${projectId}/tasks/by-name/${FIRST_TASK_NAME}/runs | sed -E 's/.*"execution_id":"([^"]+)".*/\\1/')`,
    `curl -fsS -X POST ${auth} ${json} -d '{"status":"SUCCESS"}' ${api}/executions/$E/finish`,
  ].join(' && ');
  const sdk = [
    `// npm install @cron-observer/sdk; CRON_OBSERVER_URL=${origin} CRON_OBSERVER_API_KEY=${apiKey} node first-job.mjs`,
    `import { CronObserver } from '@cron-observer/sdk';`,
    `await new CronObserver({ projectId: '${projectId}' }).runExternal('${FIRST_TASK_NAME}', async (job) => job.info('hello'));`,
  ].join('\n');
  return {
    createTask,
    ways: [
      { label: 'Report a run with curl (start it, then finish it as SUCCESS)', value: curlRun },
      { label: 'Or with the SDK (Node 20)', value: sdk },
      { label: 'Or wrap any command with the CLI', value: `CRON_OBSERVER_URL=${origin} CRON_OBSERVER_API_KEY=${apiKey} ${execSnippet(projectId, FIRST_TASK_NAME, command)}` },
    ],
  };
}
