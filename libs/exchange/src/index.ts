export { ExchangeError, type ExchangeErrorCode } from './exchange.error';
export type { ExchangeDependencies, RequestContext, TokenOutcome } from './exchange-dependencies';
export { GRANTS, TOKEN_TYPE, type GrantKind } from './grants';
export { oauthErrorFor, type OAuthError } from './oauth-errors';
export { DECISION_STEPS, type DecisionStepName } from './pipeline/decision-steps';
export { MAX_BODY_BYTES, MAX_TOKEN_BYTES } from './token-form';
export { TokenService, type TokenResponse } from './token-service';
export {
  explain,
  type ExplainPolicy,
  type ExplainReport,
  type ExplainRequest,
  type ExplainStep,
} from './explain';
export type { PresentedView } from './pipeline/presented-view';
