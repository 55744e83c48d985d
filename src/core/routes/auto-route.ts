/**
 * `auto`: RAG when the message is a knowledge question and the knowledge base has a passage above
 * the relevance threshold; otherwise prompt. The rule is shown by `/route` (AUTO_RULE).
 */
import { terms } from '../prompt/lexical';
import type { PromptResponder } from './prompt-route';
import type { RagResponder } from './rag-route';
import type { Responder, RoutePlan, RouteRequest } from './responder';

export const AUTO_RULE =
  'auto answers with RAG when the message is a question (it ends with "?" or starts with a question word such as what, how or why) ' +
  'and the knowledge base has a passage above the relevance threshold; otherwise it answers with the prompt route.';

const QUESTION_START =
  /^(what|whats|what's|how|why|when|where|which|who|whom|whose|is|are|was|were|does|do|did|can|could|should|would|will|explain|describe|define|tell me|list|summari[sz]e)\b/i;

/** A knowledge question asks for facts: a question with at least one content word. */
export function isKnowledgeQuestion(message: string): boolean {
  const text = message.trim();
  if (terms(text).size === 0) return false;
  return text.endsWith('?') || QUESTION_START.test(text);
}

export class AutoResponder implements Responder {
  readonly route = 'auto' as const;

  constructor(
    private readonly prompt: PromptResponder,
    private readonly rag: RagResponder,
  ) {}

  async plan(request: RouteRequest): Promise<RoutePlan> {
    if (!isKnowledgeQuestion(request.message)) {
      return this.prompt.plan(request, 'auto: the message is not a knowledge question, so the prompt route answers');
    }
    const passages = await this.rag.retrieve(request);
    if (passages.length === 0) {
      return this.prompt.plan(request, 'auto: no passage in the knowledge base passed the relevance threshold, so the prompt route answers');
    }
    return this.rag.plan(request, passages, `auto: a knowledge question with ${passages.length} relevant passage(s), so RAG answers`);
  }
}
