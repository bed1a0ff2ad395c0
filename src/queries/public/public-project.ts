import { timingSafeEqual } from 'node:crypto';
import type { ProjectDoc } from '../../projections/projects-projection';
import { projectById } from '../projects';
import type { QueryServices } from '../query-services';

/**
 * The project whose public URLs carry this token; null when the project does not exist, has no token
 * or another one (rotated away): all three answer the same 404. The project id in the URL makes this
 * one read by id; the token is compared in constant time.
 */
export async function publicProject(services: QueryServices, projectId: string, token: string): Promise<ProjectDoc | null> {
  const project = await projectById(services, projectId);
  if (!project?.publicToken) return null;
  const given = Buffer.from(token);
  const expected = Buffer.from(project.publicToken);
  return given.length === expected.length && timingSafeEqual(given, expected) ? project : null;
}
