/**
 * In-process mutual exclusion per key. The images module locks a sha256 around "make sure the
 * file exists + insert the record" and "no record left? remove the file", so freeing a file
 * can never race with a new upload of the same bytes in this process; the job cap locks a
 * user around "count active jobs + enqueue".
 */
export interface KeyedLock {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(fn, fn);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      try {
        return await result;
      } finally {
        // The last waiter cleans up, so the map only holds keys with work queued.
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
  };
}
