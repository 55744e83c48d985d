/**
 * Slack's half of the admin rule (SPEC §3): workspace owners and admins, read from users.info and
 * cached for a few minutes so a burst of commands costs one API call. ADMIN_USER_IDS is added on
 * top by the core (`withConfiguredAdmins`, applied by `app.commands()`).
 */
import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import type { Logger, Permissions } from '../../core/ports';
import type { ChannelScope, UserRef } from '../../core/types';

export const ADMIN_CACHE_MS = 5 * 60 * 1000;

export class SlackPermissions implements Permissions {
  private readonly cache = new Map<string, { admin: boolean; expires: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = ADMIN_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async isAdmin(user: UserRef, scope: ChannelScope): Promise<boolean> {
    const key = `${scope.workspace}:${user.id}`;
    const cached = this.cache.get(key);
    if (cached && cached.expires > this.now()) return cached.admin;
    try {
      const result = await this.client.users.info({ user: user.id });
      const info = result.user;
      const admin = Boolean(info && !info.deleted && (info.is_admin || info.is_owner || info.is_primary_owner));
      this.cache.set(key, { admin, expires: this.now() + this.ttlMs });
      return admin;
    } catch (err) {
      // Not knowing means not an admin: state changes are refused, nothing is cached.
      this.logger.warn({ err, user: user.id }, 'users.info failed; treating the user as a member');
      return false;
    }
  }
}
