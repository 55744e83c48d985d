/**
 * One admin rule for every platform (SPEC §3): the platform's own admins (Slack workspace
 * owners/admins, Discord members with Manage Server, the console user) plus every id listed in
 * ADMIN_USER_IDS. Adapters implement the platform part; this adds the configured ids.
 */
import type { Permissions } from '../ports';

export function withConfiguredAdmins(platform: Permissions, adminUserIds: readonly string[]): Permissions {
  const ids = new Set(adminUserIds);
  return {
    isAdmin: async (user, scope) => ids.has(user.id) || (await platform.isAdmin(user, scope)),
  };
}

export const NOT_ADMIN_SENTENCE = "Only admins can change this channel's setup; nothing was changed.";
