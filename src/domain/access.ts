// Roles and what each may do: the one table every route's permission is checked against
// (src/api/middleware/access.ts). Admins may do everything; a `user` reads what chats need and owns its
// sessions and tokens; a `widget` token (an integration's) chats and searches within what its integration
// allows. Ownership (own sessions, own tokens) is checked by the domain on top of these.

export const ROLES = ['admin', 'user', 'widget'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'assistant:read',
  'assistant:write',
  'provider:read',
  'provider:write',
  'datasource:read',
  'datasource:write',
  'document:read',
  'document:write',
  'mcp_server:read',
  'mcp_server:write',
  'integration:manage',
  'user:manage',
  /** Decoding (and encoding) Temporal payloads through the codec endpoint: chats of every user. Admins only. */
  'temporal:codec',
  /** Own sessions, messages, replies, sockets; starting turns. */
  'chat',
  /** Listing own sessions (a widget's visitors share one user: they may not list each other's chats). */
  'chat:list',
  /** Unified search (documents of enabled datasources). */
  'search',
  /** Own uploaded files: upload, read, delete, search, parsing status (and sending them with messages). */
  'attachment',
  /** Own API tokens: mint (with the caller's roles or fewer), list, delete. */
  'token:own',
  /** Own profile, password and logout. */
  'account',
  /** Prometheus metrics of the instance (GET /metrics). Admins only. */
  'metrics',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Exclude<Role, 'admin'>, readonly Permission[]> = {
  user: ['assistant:read', 'provider:read', 'datasource:read', 'mcp_server:read', 'chat', 'chat:list', 'search', 'attachment', 'token:own', 'account'],
  widget: ['assistant:read', 'chat', 'search', 'attachment'],
};

export const isAdmin = (roles: readonly string[]) => roles.includes('admin');

/** Whether any of the roles grants the permission. */
export function allows(roles: readonly string[], permission: Permission): boolean {
  if (isAdmin(roles)) return true;
  return roles.some((r) => (r === 'user' || r === 'widget') && GRANTS[r].includes(permission));
}
