// Who a request acts for: the user its credential belongs to, with the roles that credential carries
// (never more than the user has now), and, for a widget token, the integration that limits it.

export interface User {
  id: string;
  username: string;
  roles: string[];
  /** The credential the request came with: an API token's id, or a login's (its JWT `jti`). */
  credentialId?: string;
  /** Set for an integration's widget token: only what that integration allows. */
  integration?: IntegrationLimits;
}

/** What an integration's widget token may use (domain/integrations). */
export interface IntegrationLimits {
  id: string;
  /** Assistants it may read and chat with (none: no chat). */
  assistants: string[];
  /** Datasources its chats and searches may read (none: no search). */
  datasources: string[];
  /** Browser origins its requests may come from (exact scheme://host:port). */
  origins: string[];
}

/** The admin user every deployment has; its id is fixed so sessions from before users existed stay its. */
export const ADMIN_USER: Readonly<User> = Object.freeze({ id: 'admin', username: 'admin', roles: ['admin'] });
