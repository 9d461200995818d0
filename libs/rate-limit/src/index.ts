export { RateLimiter, type RateLimitDecision, type RateLimiterOptions } from './rate-limiter';
export { clientAddressKey } from './client-address-key';
