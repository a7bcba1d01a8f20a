import type { Role } from '../../entities/roles.ts';

/** Who is acting: the signed-in user a service call is made for. */
export interface Actor {
  id: number;
  username: string;
  role: Role;
}
