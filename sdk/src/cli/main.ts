#!/usr/bin/env node
import { createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { ApiError, SDK_VERSION } from '../api/client';
import type { Project, Task } from '../api/paths';
import { applyPlan, formatPlan, planApply } from '../apply/plan';
import { parseTasksFile, TasksFileError } from '../apply/tasks-file';
import { ManagementClient } from '../management';
import { configPath, loadConfig, saveConfig } from './config-file';
import { execCommand } from './exec';
import { describeSchedule, duration, printJson, shortTime, table } from './output';
import { DEFAULT_FALLBACK_POLL_MS, tailExecution, tailTask } from './tail';
import { readVerification } from './verify';

/** A mistake of the caller, shown without a stack. */
class UsageError extends Error {}

interface ConnectionOptions {
  url?: string;
  token?: string;
  apiKey?: string;
  project?: string;
  json?: boolean;
}

const env = process.env;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function managementClient(opts: ConnectionOptions): ManagementClient {
  const saved = loadConfig();
  const url = opts.url ?? env.CRON_OBSERVER_URL ?? saved.url;
  if (!url) throw new UsageError('No server: pass --url, set CRON_OBSERVER_URL, or run `cron-observer login`');
  const token = opts.token ?? env.CRON_OBSERVER_TOKEN ?? (opts.apiKey ? undefined : saved.token);
  const apiKey = opts.apiKey ?? env.CRON_OBSERVER_API_KEY;
  if (!token && !apiKey) throw new UsageError('Not logged in: run `cron-observer login`, or set CRON_OBSERVER_TOKEN (or a read/write CRON_OBSERVER_API_KEY)');
  return new ManagementClient({ url, token, apiKey: token ? undefined : apiKey });
}

/** The project: --project, CRON_OBSERVER_PROJECT(_ID), the saved default, or the caller's only project. */
async function resolveProject(client: ManagementClient, opts: ConnectionOptions): Promise<{ id: string; name: string }> {
  const wanted = opts.project ?? env.CRON_OBSERVER_PROJECT ?? env.CRON_OBSERVER_PROJECT_ID ?? loadConfig().project;
  if (wanted && UUID.test(wanted)) return { id: wanted, name: wanted };
  if (wanted) {
    const project = await client.findProject(wanted);
    return { id: project.id, name: project.name };
  }
  const projects = await client.projects.list();
  if (projects.length === 1) return { id: projects[0]!.id, name: projects[0]!.name };
  if (projects.length === 0) throw new UsageError('You are a member of no project');
  throw new UsageError(`Several projects (${projects.map((p) => p.name).join(', ')}): pass --project or set CRON_OBSERVER_PROJECT`);
}

async function resolveTask(client: ManagementClient, projectId: string, idOrName: string): Promise<Task> {
  return client.findTask(projectId, idOrName);
}

function connection(command: Command, { project = true, json = true } = {}): Command {
  command
    .option('--url <url>', 'Cron Observer server (env CRON_OBSERVER_URL, or the one saved by login)')
    .option('--token <token>', 'user session token (env CRON_OBSERVER_TOKEN, or the one saved by login)')
    .option('--api-key <key>', 'project API key (env CRON_OBSERVER_API_KEY)');
  if (project) command.option('--project <name|id>', 'project (env CRON_OBSERVER_PROJECT or CRON_OBSERVER_PROJECT_ID)');
  if (json) command.option('--json', 'print JSON instead of a table');
  return command;
}

/** Runs an action; errors become a message on stderr and exit code 1. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (error) {
      const message =
        error instanceof UsageError || error instanceof ApiError || error instanceof TasksFileError
          ? error.message
          : error instanceof Error
            ? (error.stack ?? error.message)
            : String(error);
      process.stderr.write(`cron-observer: ${message}\n`);
      process.exitCode = 1;
    }
  };
}

async function prompt(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) throw new UsageError(`${question.replace(/: $/, '')} required (pass it as an option)`);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (hidden) {
    const output = rl as unknown as { _writeToOutput: (text: string) => void };
    const write = output._writeToOutput.bind(rl);
    output._writeToOutput = (text: string) => write(text.startsWith(question) ? text : '');
  }
  try {
    return await new Promise((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    if (hidden) process.stdout.write('\n');
  }
}

export function buildProgram(): Command {
  const program = new Command('cron-observer')
    .version(SDK_VERSION)
    .description('Cron Observer from the terminal: run jobs with reporting, manage tasks as code, follow executions')
    .enablePositionalOptions()
    .showHelpAfterError();

  program
    .command('login')
    .description(`log in and save the session token (in ${configPath()}, or CRON_OBSERVER_CONFIG)`)
    .option('--url <url>', 'Cron Observer server (env CRON_OBSERVER_URL)')
    .option('--email <email>', 'account email (env CRON_OBSERVER_EMAIL)')
    .option('--password <password>', 'password (env CRON_OBSERVER_PASSWORD; asked when absent)')
    .option('--project <name|id>', 'default project to save')
    .action(
      action(async (opts: { url?: string; email?: string; password?: string; project?: string }) => {
        const saved = loadConfig();
        const url = opts.url ?? env.CRON_OBSERVER_URL ?? saved.url;
        if (!url) throw new UsageError('No server: pass --url or set CRON_OBSERVER_URL');
        const email = opts.email ?? env.CRON_OBSERVER_EMAIL ?? (await prompt('Email: '));
        const password = opts.password ?? env.CRON_OBSERVER_PASSWORD ?? (await prompt('Password: ', true));
        const session = await ManagementClient.login(url, email, password);
        saveConfig({ ...saved, url, token: session.token, email, expires_at: session.expires_at, ...(opts.project ? { project: opts.project } : {}) });
        process.stdout.write(`Logged in to ${url} as ${email} (until ${shortTime(session.expires_at)}); token saved to ${configPath()}\n`);
      }),
    );

  program
    .command('logout')
    .description('end the saved session and forget its token')
    .action(
      action(async () => {
        const saved = loadConfig();
        if (saved.url && saved.token) await new ManagementClient({ url: saved.url, token: saved.token }).auth.logout().catch(() => undefined);
        const { token: _token, expires_at: _expires, ...rest } = saved;
        saveConfig(rest);
        process.stdout.write('Logged out\n');
      }),
    );

  connection(program.command('projects').description('your projects'), { project: false }).action(
    action(async (opts: ConnectionOptions) => {
      const projects = await managementClient(opts).projects.list();
      if (opts.json) return printJson(projects);
      process.stdout.write(
        `${table(
          ['name', 'id', 'execution endpoint', 'members', 'created'],
          projects.map((p: Project) => [p.name, p.id, p.execution_endpoint ?? '', p.project_users.length, shortTime(p.created_at)]),
        )}\n`,
      );
    }),
  );

  connection(program.command('tasks').description("the project's tasks")).action(
    action(async (opts: ConnectionOptions) => {
      const client = managementClient(opts);
      const project = await resolveProject(client, opts);
      const tasks = await client.tasks.list(project.id);
      if (opts.json) return printJson(tasks);
      process.stdout.write(
        `${table(
          ['name', 'schedule', 'mode', 'status', 'state', 'last run', 'id'],
          tasks.map((t) => [
            t.name,
            describeSchedule(t.schedule_type, t.schedule_config as Record<string, unknown>),
            t.execution_mode,
            t.status,
            t.state,
            t.last_execution ? `${t.last_execution.status} ${shortTime(t.last_execution.scheduled_at)}` : '',
            t.id,
          ]),
        )}\n`,
      );
    }),
  );

  connection(program.command('trigger').description('run a task now (a MANUAL execution)').argument('<task>', 'task name or id')).action(
    action(async (taskName: string, opts: ConnectionOptions) => {
      const client = managementClient(opts);
      const project = await resolveProject(client, opts);
      const task = await resolveTask(client, project.id, taskName);
      const triggered = await client.tasks.trigger(project.id, task.id);
      if (opts.json) return printJson(triggered);
      process.stdout.write(`Triggered ${task.name}: execution ${triggered.data.execution_uuid}\n`);
    }),
  );

  connection(
    program
      .command('history')
      .description("a task's executions of one UTC day, newest first")
      .argument('<task>', 'task name or id')
      .option('--date <YYYY-MM-DD>', 'the UTC day (default today)')
      .option('--page <n>', 'page, from 1', '1')
      .option('--page-size <n>', 'executions per page (at most 100)', '20'),
  ).action(
    action(async (taskName: string, opts: ConnectionOptions & { date?: string; page: string; pageSize: string }) => {
      const client = managementClient(opts);
      const project = await resolveProject(client, opts);
      const task = await resolveTask(client, project.id, taskName);
      const page = await client.tasks.history(project.id, task.id, { date: opts.date, page: Number(opts.page), pageSize: Number(opts.pageSize) });
      if (opts.json) return printJson(page);
      process.stdout.write(
        `${table(
          ['execution', 'status', 'trigger', 'scheduled', 'duration', 'exit', 'logs', 'error'],
          page.data.map((e) => [
            e.id,
            e.status,
            e.trigger_type,
            shortTime(e.scheduled_at),
            duration(e.duration_ms),
            e.exit_code,
            e.logs_count,
            e.error ? e.error.split('\n')[0]!.slice(0, 80) : '',
          ]),
        )}\n`,
      );
      process.stdout.write(`page ${page.page} of ${page.total_pages} (${page.total_count} executions)\n`);
    }),
  );

  program
    .command('exec')
    .description('run a command and report it: output as logs (stdout info, stderr error), exit code and duration')
    .option('--execution <id>', 'report to this execution (an executor that shells out)')
    .option('--task <name>', 'external mode: start a run of this task (for crontab, CI)')
    .option('--project <id>', 'project id for --task (env CRON_OBSERVER_PROJECT_ID)')
    .option('--url <url>', 'Cron Observer server (env CRON_OBSERVER_URL)')
    .option('--api-key <key>', 'project API key, scope ingest is enough (env CRON_OBSERVER_API_KEY)')
    .option('--report-timeout <seconds>', 'how long to keep trying to report when Cron Observer is unreachable', '30')
    .argument('<command...>', 'the command and its arguments (after --)')
    .passThroughOptions()
    .action(
      async (
        argv: string[],
        opts: { execution?: string; task?: string; project?: string; url?: string; apiKey?: string; reportTimeout: string },
      ) => {
        if (!opts.execution === !opts.task) {
          process.stderr.write('cron-observer: exec needs exactly one of --execution <id> and --task <name>\n');
        }
        const [command, ...args] = argv;
        const code = await execCommand(command!, args, {
          url: opts.url,
          apiKey: opts.apiKey,
          projectId: opts.project ?? env.CRON_OBSERVER_PROJECT_ID,
          executionId: opts.execution,
          taskName: opts.execution ? undefined : opts.task,
          reportTimeoutSeconds: Number(opts.reportTimeout) || 30,
        });
        process.exitCode = code;
      },
    );

  connection(
    program
      .command('apply')
      .description('make the project match a tasks file: groups and tasks created or updated by name')
      .requiredOption('-f, --file <path>', 'tasks file (YAML)')
      .option('--dry-run', 'show the changes, make none')
      .option('--prune', 'delete tasks and groups that are not in the file'),
  ).action(
    action(async (opts: ConnectionOptions & { file: string; dryRun?: boolean; prune?: boolean }) => {
      const file = parseTasksFile(readFileSync(opts.file, 'utf8'), opts.file);
      const client = managementClient(opts);
      const project = await resolveProject(client, { ...opts, project: opts.project ?? file.project });
      const plan = await planApply(client, project.id, file, { prune: opts.prune });
      if (!opts.dryRun) await applyPlan(client, plan);
      if (opts.json) return printJson({ dry_run: Boolean(opts.dryRun), ...plan });
      process.stdout.write(`${formatPlan(plan, { dryRun: opts.dryRun })}\n`);
    }),
  );

  connection(
    program
      .command('tail')
      .description("follow an execution's logs and status until it ends, or a task's executions (live, over the project's event stream)")
      .argument('[execution]', 'execution id')
      .option('--task <name>', "follow the task's executions (name or id)")
      .option('--once', 'with --task: stop when the execution followed ends')
      .option('--fallback-poll <ms>', "re-read at least this often even when the project's live stream says nothing", String(DEFAULT_FALLBACK_POLL_MS))
      // The polling interval of earlier versions, still accepted: now the fallback poll.
      .addOption(new Option('--interval <ms>').hideHelp()),
    { json: false },
  ).action(
    action(async (executionId: string | undefined, opts: ConnectionOptions & { task?: string; once?: boolean; fallbackPoll: string; interval?: string }) => {
      const client = managementClient(opts);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      try {
        const common = { fallbackPollMs: Number(opts.interval ?? opts.fallbackPoll) || DEFAULT_FALLBACK_POLL_MS, signal: controller.signal };
        if (executionId) await tailExecution(client, executionId, common);
        else if (opts.task) {
          const project = await resolveProject(client, opts);
          const task = await resolveTask(client, project.id, opts.task);
          await tailTask(client, project.id, task.id, { ...common, once: opts.once });
        } else throw new UsageError('tail needs an execution id or --task <name>');
      } finally {
        process.off('SIGINT', stop);
      }
    }),
  );

  const audit = program.command('audit').description("the project's audit trail");
  connection(
    audit
      .command('export')
      .description("the project's events as stored, with their hash-chain links, for an auditor to check offline (project admins)")
      .option('--from <instant>', 'events that occurred at or after this ISO 8601 instant')
      .option('--to <instant>', 'events that occurred before this ISO 8601 instant')
      .addOption(new Option('--format <format>', 'ndjson (checkable, see the README) or csv').choices(['ndjson', 'csv']).default('ndjson'))
      .option('--output <file>', 'write to this file (default: stdout)'),
    { json: false },
  ).action(
    action(async (opts: ConnectionOptions & { from?: string; to?: string; format: 'ndjson' | 'csv'; output?: string }) => {
      const client = managementClient(opts);
      const project = await resolveProject(client, opts);
      const body = await client.audit.export(project.id, { from: opts.from, to: opts.to, format: opts.format });
      await writeExport(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), opts.output);
      if (opts.output) process.stderr.write(`Exported the audit trail of ${project.name} to ${opts.output}\n`);
    }),
  );

  connection(
    audit
      .command('verify')
      .description(
        "check every stored event's hash-chain link: of one project's streams with --project (project admins), else of the whole store (super admins); exit 2 on a broken link",
      ),
    { json: false },
  ).action(
    action(async (opts: ConnectionOptions) => {
      const client = managementClient(opts);
      // Only an explicit --project narrows it: without one the whole store is checked.
      const project = opts.project === undefined ? undefined : await resolveProject(client, opts);
      const report = await readVerification(await client.audit.verify(project?.id));
      process.stdout.write(`${report.message}\n`);
      if (report.broken) process.exitCode = 2;
    }),
  );

  return program;
}

/**
 * Streams the export to stdout, or to the file: written beside it first and renamed once complete, so
 * an export cut short never stands where a complete one is expected.
 */
async function writeExport(body: Readable, output: string | undefined): Promise<void> {
  if (!output) return pipeline(body, process.stdout, { end: false });
  const partial = `${output}.partial`;
  try {
    await pipeline(body, createWriteStream(partial));
    renameSync(partial, output);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`cron-observer: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
