import { accessProjection } from './access-projection';
import { auditProjection } from './audit-projection';
import { claimsProjection } from './claims-projection';
import { historyProjection } from './history-projection';
import type { Projection } from './projection';
import { projectsProjection } from './projects-projection';
import { recentRunsProjection } from './recent-runs-projection';
import { statsProjection } from './stats-projection';
import { tasksProjection } from './tasks-projection';

/** Every projection the server runs. */
export function allProjections(): Projection[] {
  return [tasksProjection, historyProjection, accessProjection, projectsProjection, statsProjection, claimsProjection, auditProjection, recentRunsProjection];
}
