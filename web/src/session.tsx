/** Who is signed in, and what they may do in a project. */
import { useQuery } from '@tanstack/react-query';
import { api, ApiError, type Me, type ProjectRole, unwrap } from './api/client';

export function useMe() {
  return useQuery<Me | null>({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return await unwrap(api.GET('/auth/me'));
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    retry: false,
    staleTime: 60_000,
  });
}

export interface Access {
  /** The role shown to the person ("super admin" when they have no membership). */
  label: string;
  canEdit: boolean;
  isAdmin: boolean;
}

export function accessIn(me: Me | null | undefined, projectId: string | undefined): Access {
  const role: ProjectRole | undefined = me?.memberships.find((m) => m.project_id === projectId)?.role;
  if (me?.super_admin) return { label: role ? `${role}, super admin` : 'super admin', canEdit: true, isAdmin: true };
  if (!role) return { label: projectId ? 'no role' : '', canEdit: false, isAdmin: false };
  return { label: role, canEdit: role === 'admin' || role === 'editor', isAdmin: role === 'admin' };
}
