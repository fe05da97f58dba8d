/**
 * The session funnel every simulated user walks: Search → ViewContent → AddToCart → Purchase. A
 * user's next event either continues the current session one step, or (drop-off, or after a
 * purchase) starts a new session with a Search. The rates are the documented defaults
 * (README, `send`), chosen to give a typical e-commerce conversion of about 10% of searches.
 */
import type {EventName} from './schema.js'

/** The stages in order. */
export const FUNNEL: readonly EventName[] = ['Search', 'ViewContent', 'AddToCart', 'Purchase']

/**
 * The probability that a session continues from stage i to stage i+1 (index = stage). The
 * drop-off at each step is 1 minus this.
 * Search → ViewContent 50%, ViewContent → AddToCart 40%, AddToCart → Purchase 50%:
 * 10% of sessions end in a purchase.
 */
export const FUNNEL_CONTINUE: readonly number[] = [0.5, 0.4, 0.5]

/** A user who has not sent anything yet. */
export const NO_SESSION = -1

/**
 * The next stage of a user at `stage` (NO_SESSION, or an index into FUNNEL), given a uniform draw
 * u in [0, 1). Returns the new stage index (0 = a new session's Search).
 */
export function nextStage(stage: number, u: number, continueRates: readonly number[] = FUNNEL_CONTINUE): number {
  if (stage < 0 || stage >= FUNNEL.length - 1) return 0
  return u < continueRates[stage] ? stage + 1 : 0
}

/** The share of sessions that reach each stage (1 for Search), from the continue rates. */
export function funnelReach(continueRates: readonly number[] = FUNNEL_CONTINUE): number[] {
  const reach = [1]
  for (const rate of continueRates) reach.push(reach.at(-1)! * rate)
  return reach
}
