/** `prompt`: persona + few-shot + the channel's base model. */
import type { Tokenizer } from '../ports';
import { assemblePrompt } from '../prompt/assemble';
import { selectExamples } from '../prompt/fewshot-selection';
import type { Responder, RoutePlan, RouteRequest } from './responder';

export class PromptResponder implements Responder {
  readonly route = 'prompt' as const;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly promptBudget: number,
  ) {}

  async plan({ profile, message, history }: RouteRequest, reason = 'the channel route is prompt'): Promise<RoutePlan> {
    const examples = selectExamples(profile.fewshot.value, profile.fewshotMode.value, message);
    const prompt = assemblePrompt({ system: profile.persona.value, examples, history, message }, this.tokenizer, this.promptBudget);
    return { route: 'prompt', model: profile.model.value, temperature: profile.temperature.value, prompt, sources: [], reason };
  }
}
