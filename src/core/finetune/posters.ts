/**
 * Where background messages go: each platform adapter registers its `ChannelPoster` when it starts,
 * and the core posts by the scope's platform. Fine-tuning progress and model-shutdown warnings use
 * it; evaluation reports may too.
 */
import type { ChannelPoster, Logger } from '../ports';
import type { ChannelScope, Platform } from '../types';
import { channelKey } from '../types';

export class ChannelPosters implements ChannelPoster {
  private readonly byPlatform = new Map<Platform, ChannelPoster>();

  constructor(private readonly logger: Logger) {}

  register(platform: Platform, poster: ChannelPoster): void {
    this.byPlatform.set(platform, poster);
  }

  /** Whether this process can post on the platform (background work for other platforms is left to the processes that can). */
  has(platform: Platform): boolean {
    return this.byPlatform.has(platform);
  }

  platforms(): Platform[] {
    return [...this.byPlatform.keys()];
  }

  /** Posts where this process runs the platform; elsewhere it logs (another process may serve it). */
  async post(scope: ChannelScope, text: string): Promise<void> {
    const poster = this.byPlatform.get(scope.platform);
    if (!poster) {
      this.logger.warn({ scope: channelKey(scope) }, 'no poster for this platform in this process; message not posted');
      return;
    }
    await poster.post(scope, text);
  }
}
