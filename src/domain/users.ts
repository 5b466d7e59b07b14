// Who a request acts for. Until users are stored, every token belongs to a user named by the token itself.

export interface User {
  id: string;
  username: string;
  roles: string[];
}

export const ADMIN_USER: Readonly<User> = Object.freeze({ id: 'admin', username: 'admin', roles: ['admin'] });
