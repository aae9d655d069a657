// A token bucket per receiver: `rate` requests a second, a burst of at most max(1, rate). Pure: the
// shell passes its clock in and sleeps the wait it is told.
export interface Bucket {
  tokens: number;
  at: number;
}

export function createBucket(rate: number, now: number): Bucket {
  return { tokens: Math.max(1, rate), at: now };
}

/** Takes a token if there is one (wait 0), else says how long until there is; returns the new bucket. */
export function takeToken(bucket: Bucket, rate: number, now: number): { bucket: Bucket; waitMs: number } {
  const burst = Math.max(1, rate);
  const tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) * rate) / 1000);
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, at: now }, waitMs: 0 };
  return { bucket: { tokens, at: now }, waitMs: Math.ceil(((1 - tokens) * 1000) / rate) };
}
