import { PROJECTS_COLLECTION, PROJECTS_PROJECTION, type ProjectDoc } from '../projections/projects-projection';
import type { QueryServices } from './query-services';

function projects(services: QueryServices): string {
  return services.registry.collection(PROJECTS_PROJECTION, PROJECTS_COLLECTION);
}

export function projectById(services: QueryServices, projectId: string): Promise<ProjectDoc | null> {
  return services.reads.get<ProjectDoc>(projects(services), projectId);
}

/** Projects in alphabetical order: all of them, or those with the given ids. */
export async function listProjects(services: QueryServices, ids?: string[]): Promise<ProjectDoc[]> {
  if (ids && ids.length === 0) return [];
  const filter = ids ? { id: { $in: ids } } : undefined;
  const { items } = await services.reads.find<ProjectDoc>(projects(services), { filter, sort: [['sortName', 1]] });
  return items;
}
