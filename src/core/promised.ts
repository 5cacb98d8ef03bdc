/**
 * Calls `fn` and answers its promise, or a rejected one when it throws before making
 * one, as an async function would, without the extra promise an async wrapper adds.
 */
export function promised<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}
