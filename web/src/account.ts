// The signed-in account: password sign-in, the profile (with its roles), sign-out, password change.
import { api, getToken, setToken } from './api';

export interface Profile {
  id: string;
  username: string;
  name?: string;
  email?: string;
  roles: string[];
}

export interface LoginAnswer {
  access_token: string;
  expire_in: number;
  id: string;
  username: string;
}

export const isAdmin = (p: Profile | null | undefined) => !!p?.roles?.includes('admin');

/** Roles with the `search` permission (src/domain/access.ts): unified search, the Search page. */
const SEARCH_ROLES = ['admin', 'user', 'widget'];
export const canSearch = (p: Profile | null | undefined) => !!p?.roles?.some((r) => SEARCH_ROLES.includes(r));

/** Roles with the `chat:list` permission: the Sessions page (a widget's visitors may not list chats). */
const SESSION_LIST_ROLES = ['admin', 'user'];
export const canListSessions = (p: Profile | null | undefined) => !!p?.roles?.some((r) => SESSION_LIST_ROLES.includes(r));

/** Signs in with a username and password; the answer's JWT becomes the stored token. Throws the server's reason. */
export async function login(username: string, password: string): Promise<LoginAnswer> {
  const res = await api.post<LoginAnswer>('/account/login', { username, password }, { noSignOut: true });
  setToken(res.access_token);
  return res;
}

export async function loadProfile(): Promise<Profile> {
  const p = await api.get<Profile>('/account/profile');
  return { ...p, roles: Array.isArray(p.roles) ? p.roles : [] };
}

/**
 * POST /account/logout (which revokes a password sign-in's token; a pasted API token stays valid), then
 * forgets the stored token. A failed logout is ignored: the token is forgotten anyway.
 */
export async function signOut() {
  if (getToken()) await api.post('/account/logout', {}, { noSignOut: true }).catch(() => undefined);
  setToken('');
}

export const changePassword = (oldPassword: string, newPassword: string) =>
  api.put('/account/password', { old_password: oldPassword, new_password: newPassword }, { noSignOut: true });
