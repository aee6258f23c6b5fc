/** Time is injected everywhere a decision depends on it, so tests can pin it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export function fixedClock(at: Date | string): Clock {
  const instant = new Date(at);
  return () => new Date(instant);
}
