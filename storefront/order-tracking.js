// Watching a submitted order become placed: the submit answers 202 with the order's Location;
// the order answers 202 with Retry-After until the queue-triggered function has created it.
// The page waits as long as the server asks (at least a second, at most half a minute) and
// stops after a bounded number of checks: it never hammers the API.

import { call } from "./api.js";

const MIN_WAIT_SECONDS = 1;
const MAX_WAIT_SECONDS = 30;
const MAX_CHECKS = 40;

// Retry-After is seconds or an HTTP date (RFC 9110, 10.2.3).
export function retryAfterSeconds(headers, fallback = 2) {
  const value = headers && headers.get("Retry-After");
  let seconds = fallback;
  if (value && /^\d+$/.test(value.trim())) seconds = Number(value.trim());
  else if (value && !Number.isNaN(Date.parse(value))) {
    seconds = (Date.parse(value) - Date.now()) / 1000;
  }
  return Math.min(Math.max(seconds, MIN_WAIT_SECONDS), MAX_WAIT_SECONDS);
}

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

// Follows `location` until the order is placed. onUpdate({state, order?, error?}) is told
// "pending" after each 202, "placed" with the order, "error" with an ApiError, or
// "gave-up". Returns a function that stops the watch (a newer order replaces it).
export function watchOrder(location, firstWaitSeconds, onUpdate) {
  let stopped = false;
  (async () => {
    let wait = firstWaitSeconds;
    for (let check = 0; check < MAX_CHECKS; check += 1) {
      await sleep(wait);
      if (stopped) return;
      let answer;
      try {
        answer = await call("GET", location);
      } catch (error) {
        if (!stopped) onUpdate({ state: "error", error });
        return;
      }
      if (stopped) return;
      if (answer.status === 200) {
        onUpdate({ state: "placed", order: answer.body });
        return;
      }
      onUpdate({ state: "pending" });
      wait = retryAfterSeconds(answer.headers);
    }
    if (!stopped) onUpdate({ state: "gave-up" });
  })();
  return () => {
    stopped = true;
  };
}
