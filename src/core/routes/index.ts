import type { KnowledgeIndex, Tokenizer } from '../ports';
import type { Route } from '../types';
import { AutoResponder } from './auto-route';
import { FinetuneResponder } from './finetune-route';
import { PromptResponder } from './prompt-route';
import { RagResponder, type RetrievalSettings } from './rag-route';
import type { Responder } from './responder';

export type Responders = Readonly<Record<Route, Responder>>;

export function createResponders(deps: { tokenizer: Tokenizer; promptBudget: number; knowledge: KnowledgeIndex; retrieval: RetrievalSettings }): Responders {
  const prompt = new PromptResponder(deps.tokenizer, deps.promptBudget);
  const rag = new RagResponder(deps.tokenizer, deps.promptBudget, deps.knowledge, deps.retrieval);
  return {
    prompt,
    rag,
    finetune: new FinetuneResponder(deps.tokenizer, deps.promptBudget),
    auto: new AutoResponder(prompt, rag),
  };
}

export type { Responder, RoutePlan, RouteRequest } from './responder';
