import type { ProjectDoc } from '../../projections/projects-projection';

/** The status page's settings as a request sets them. */
export interface StatusPageBody {
  enabled: boolean;
  /**
   * Tasks of the project the page lists, in this order.
   * @maxItems 100
   */
  task_ids: string[];
}

export interface PublicLinksResponse {
  /** The random part of every public URL; null until an admin makes one (POST …/public-links/rotate). */
  token: string | null;
  /** The URLs, absolute (PUBLIC_URL); null without a token. */
  urls: PublicUrls | null;
  status_page: { enabled: boolean; task_ids: string[] };
}

export interface PublicUrls {
  project_badge_svg: string;
  /** Shields endpoint format. */
  project_badge_json: string;
  /** Replace `{task_id}` with a task's id. */
  task_badge_svg: string;
  task_badge_json: string;
  /** Replace `{tag}` with a tag. */
  tag_badge_svg: string;
  tag_badge_json: string;
  /** Answers 404 while the page is off. */
  status_page: string;
  status_json: string;
}

/** The one mapping from the projects read model to the public-links answer. */
export function toPublicLinksResponse(project: ProjectDoc, publicUrl: string): PublicLinksResponse {
  const token = project.publicToken ?? null;
  const base = `${publicUrl}/api/v1/public/${project.id}/${token}`;
  return {
    token,
    urls: token === null ? null : {
      project_badge_svg: `${base}/badge.svg`,
      project_badge_json: `${base}/badge.json`,
      task_badge_svg: `${base}/tasks/{task_id}/badge.svg`,
      task_badge_json: `${base}/tasks/{task_id}/badge.json`,
      tag_badge_svg: `${base}/tags/{tag}/badge.svg`,
      tag_badge_json: `${base}/tags/{tag}/badge.json`,
      status_page: `${base}/status`,
      status_json: `${base}/status.json`,
    },
    status_page: { enabled: project.statusPage?.enabled ?? false, task_ids: project.statusPage?.taskIds ?? [] },
  };
}
