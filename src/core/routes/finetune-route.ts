/**
 * `finetune`: the channel's fine-tuned model. The behaviour is baked into the weights, so no
 * few-shot examples are sent and the persona is cut to its first paragraph (the same short system
 * message the training set export uses).
 */
import { ErrorCode, UserError } from '../errors';
import type { Tokenizer } from '../ports';
import { assemblePrompt } from '../prompt/assemble';
import type { Responder, RoutePlan, RouteRequest } from './responder';

export const FINETUNE_PERSONA_CHARS = 500;

export function shortPersona(persona: string): string {
  const firstParagraph = persona.split(/\n\s*\n/)[0]?.trim() ?? '';
  return firstParagraph.length > FINETUNE_PERSONA_CHARS ? `${firstParagraph.slice(0, FINETUNE_PERSONA_CHARS).trimEnd()}…` : firstParagraph;
}

export class FinetuneResponder implements Responder {
  readonly route = 'finetune' as const;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly promptBudget: number,
  ) {}

  async plan({ profile, message, history }: RouteRequest): Promise<RoutePlan> {
    const model = profile.fineTunedModel.value;
    if (!model) {
      throw new UserError(
        ErrorCode.InvalidState,
        'This channel is set to answer with a fine-tuned model but has none yet; an admin can set one with /route finetune <model-id>.',
      );
    }
    const prompt = assemblePrompt({ system: shortPersona(profile.persona.value), examples: [], history, message }, this.tokenizer, this.promptBudget);
    return { route: 'finetune', model, temperature: profile.temperature.value, prompt, sources: [], reason: 'the channel route is finetune' };
  }
}
