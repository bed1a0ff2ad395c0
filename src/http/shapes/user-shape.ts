import type { UserDoc } from '../../projections/access-projection';

/** An account (`id` and `uuid` are the same UUID). Never carries a password hash. */
export interface UserResponse {
  id: string;
  uuid: string;
  email: string;
  /** null for an invited person who has not accepted yet. */
  name: string | null;
  super_admin: boolean;
  disabled: boolean;
  /** invited: created by adding a project member; cannot log in until the invitation is accepted. */
  status: 'active' | 'invited';
  created_at: string;
  updated_at: string;
}

export function toUserResponse(user: UserDoc): UserResponse {
  return {
    id: user.id,
    uuid: user.id,
    email: user.email,
    name: user.name,
    super_admin: user.superAdmin,
    disabled: user.disabled,
    status: user.status,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}
