import type { BadgeState } from '../../queries/public/badge-state';
import { STATUS_PAGE_DAYS, type StatusDay, type StatusPage, type StatusTask } from '../../queries/public/status-page';

/** Where the page's stylesheet is served (the CSP allows styles from the server's own origin only). */
export const STATUS_PAGE_CSS_PATH = '/api/v1/public/status.css';

const HEADLINES: Readonly<Record<BadgeState, string>> = {
  up: 'All systems operational',
  late: 'Some tasks are late',
  down: 'Some tasks are failing',
  paused: 'Paused',
  new: 'No runs yet',
};

/** Every user-given text (project and task names) goes through here before it reaches the page. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The status page as one server-rendered document: no script, one small stylesheet, so it paints on the
 * first response. It reloads itself every minute.
 */
export function statusPageHtml(page: StatusPage): string {
  const name = escapeHtml(page.project_name);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<meta name="robots" content="noindex">
<title>${name} status</title>
<link rel="stylesheet" href="${STATUS_PAGE_CSS_PATH}">
</head>
<body>
<main>
<h1>${name}</h1>
<p class="overall state-${page.state}" data-state="${page.state}">${HEADLINES[page.state]}</p>
${page.tasks.length === 0 ? '<p class="empty">No tasks are shown on this page.</p>' : `<ul class="tasks">\n${page.tasks.map(taskHtml).join('\n')}\n</ul>`}
<p class="footer">Daily bars: the last ${STATUS_PAGE_DAYS} days in ${escapeHtml(page.timezone)}. Updated ${escapeHtml(page.generated_at)}.</p>
</main>
</body>
</html>
`;
}

function taskHtml(task: StatusTask): string {
  const rate = task.success_rate === null ? 'no runs' : `${(task.success_rate * 100).toFixed(2)} % succeeded`;
  return `<li class="task" data-task-id="${escapeHtml(task.id)}">
<div class="task-head"><span class="task-name">${escapeHtml(task.name)}</span><span class="pill state-${task.state}">${task.state}</span></div>
<ol class="bars" aria-label="${STATUS_PAGE_DAYS} days of ${escapeHtml(task.name)}">${task.days.map(dayHtml).join('')}</ol>
<div class="axis"><span>${STATUS_PAGE_DAYS} days ago</span><span>${rate}</span><span>today</span></div>
</li>`;
}

function dayHtml(day: StatusDay): string {
  const counts = day.health === 'none' ? 'no runs ended' : `${day.success} succeeded, ${day.failures} failed`;
  return `<li class="day ${day.health}" title="${day.date}: ${counts}"></li>`;
}
