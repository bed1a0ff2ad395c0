/** The command a crontab line or wrapper runs; a placeholder the reader replaces. */
export const JOB_COMMAND = '/path/to/job.sh';

export interface PingSnippet {
  label: string;
  value: string;
}

/**
 * Ready-made ways to use a task's ping URL (README, "Moving from Healthchecks"), written as
 * Healthchecks' documentation writes them; `command` is what the job runs.
 */
export function pingSnippets(pingUrl: string, projectId: string, taskName: string, command = JOB_COMMAND): PingSnippet[] {
  const curl = 'curl -fsS -m 10 --retry 5';
  return [
    { label: 'Ping URL', value: pingUrl },
    { label: 'Crontab line (reports the exit status)', value: `0 3 * * * ${command}; ${curl} -o /dev/null ${pingUrl}/$?` },
    {
      label: 'Shell wrapper (start, then the exit status with the output as the log)',
      value: `${curl} -o /dev/null ${pingUrl}/start; m=$(${command} 2>&1); ${curl} -o /dev/null --data-raw "$m" ${pingUrl}/$?`,
    },
    { label: 'With the cron-observer CLI (an API key in CRON_OBSERVER_API_KEY)', value: execSnippet(projectId, taskName, command) },
  ];
}

/** A shell word: as it is when plain, else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9._-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `cron-observer exec` running `command` as a run of the task (external mode). */
export function execSnippet(projectId: string, taskName: string, command = JOB_COMMAND): string {
  return `cron-observer exec --task ${shellWord(taskName)} --project ${projectId} -- ${command}`;
}
