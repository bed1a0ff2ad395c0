import type { Access } from '../session';
import { Empty } from './ui';

/** What the project page shows while the project has no task yet. */
export function FirstRunGuide({ access }: { projectId: string; access: Access }) {
  return <Empty>{`No tasks yet.${access.canEdit ? ' Create one with “New task”.' : ''}`}</Empty>;
}
