/**
 * The Discord part of the one admin rule (SPEC §3; ADMIN_USER_IDS is added by the core's
 * `withConfiguredAdmins`): members with Manage Server or Administrator, and the guild owner. Never
 * in DMs. An interaction carries the member's permissions, which the adapter notes here; otherwise
 * (a message such as `@bot kb add`) the member is read from the guild, cached for a minute.
 */
import { PermissionFlagsBits, type Client } from 'discord.js';
import type { Logger, Permissions } from '../../core/ports';
import type { ChannelScope, UserRef } from '../../core/types';
import { DM_WORKSPACE } from './inbound';

const CACHE_MS = 60_000;
const ADMIN_BITS = PermissionFlagsBits.ManageGuild | PermissionFlagsBits.Administrator;

/** Manage Server or Administrator in a permissions bitfield. */
export function grantsAdmin(permissions: bigint): boolean {
  return (permissions & ADMIN_BITS) !== 0n;
}

export class DiscordPermissions implements Permissions {
  private readonly known = new Map<string, { admin: boolean; at: number }>();

  constructor(
    private readonly client: Client,
    private readonly logger: Logger,
  ) {}

  /** What an interaction told about its member (`member.permissions`, the guild's owner). */
  note(guildId: string, userId: string, admin: boolean): void {
    if (this.known.size > 10_000) this.known.clear();
    this.known.set(`${guildId}:${userId}`, { admin, at: Date.now() });
  }

  async isAdmin(user: UserRef, scope: ChannelScope): Promise<boolean> {
    if (scope.workspace === DM_WORKSPACE) return false;
    const key = `${scope.workspace}:${user.id}`;
    const known = this.known.get(key);
    if (known && Date.now() - known.at < CACHE_MS) return known.admin;
    try {
      const guild = this.client.guilds.cache.get(scope.workspace) ?? (await this.client.guilds.fetch(scope.workspace));
      const member = await guild.members.fetch(user.id);
      const admin = guild.ownerId === user.id || grantsAdmin(member.permissions.bitfield);
      this.note(scope.workspace, user.id, admin);
      return admin;
    } catch (err) {
      // Unknown member or guild: not an admin (refusing is the safe answer).
      this.logger.warn({ err, guild: scope.workspace, user: user.id }, 'could not read Discord member permissions');
      return false;
    }
  }
}
