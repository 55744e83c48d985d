/**
 * Which workspace trained each fine-tuned model, recorded when its job succeeds. A model trained on
 * one workspace's examples and conversations carries them, so another workspace (or guild) may not
 * name it in `/route finetune` or `/model` (tenant isolation, issue #12); every channel of the
 * workspace that trained it may. Model ids never trained here (an organisation's own fine-tunes)
 * have no owner and stay usable everywhere.
 */
import { ErrorCode, UserError } from '../errors';
import type { DocumentStore } from '../ports';
import { workspaceKey, type ChannelScope } from '../types';

const ownerKey = (model: string) => `finetune:model-owner:${model}`;

export class FineTunedModelOwners {
  constructor(private readonly store: DocumentStore) {}

  async record(model: string, scope: ChannelScope): Promise<void> {
    await this.store.set(ownerKey(model), { workspace: workspaceKey(scope) });
  }

  /** Throws the "not found" sentence when the model was trained by another workspace. */
  async assertUsable(scope: ChannelScope, model: string): Promise<void> {
    const owner = await this.store.get<{ workspace: string }>(ownerKey(model));
    if (owner && owner.workspace !== workspaceKey(scope)) {
      throw new UserError(ErrorCode.NotFound, `There is no fine-tuned model ${model} in this workspace; /finetune status shows this channel's.`);
    }
  }
}
