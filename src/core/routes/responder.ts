/**
 * Routes are strategies: one responder per route behind this interface (as @discordjs/rest's
 * handlers sit behind `IHandler`). A responder decides what to send — model, prompt, passages —
 * and the assistant sends it (or, offline, shows it). Responders never talk to a platform.
 */
import type { Passage } from '../ports';
import type { AssembledPrompt } from '../prompt/assemble';
import type { EffectiveProfile } from '../profiles/resolve';
import type { ChatMessage, Route } from '../types';

export interface RouteRequest {
  readonly profile: EffectiveProfile;
  readonly message: string;
  readonly history: readonly ChatMessage[];
}

export interface RoutePlan {
  /** The route that actually answers (`auto` resolves to `prompt` or `rag`). */
  readonly route: Exclude<Route, 'auto'>;
  readonly model: string;
  readonly temperature: number;
  readonly prompt: AssembledPrompt;
  /** Passages behind the numbered citations, in citation order (RAG). */
  readonly sources: readonly Passage[];
  /** Why this route answers: shown by `/route` and in offline answers. */
  readonly reason: string;
  /** Set when RAG found nothing relevant: answer with this instead of calling the model. */
  readonly noSourceAnswer?: string;
}

export interface Responder {
  readonly route: Route;
  plan(request: RouteRequest): Promise<RoutePlan>;
}
