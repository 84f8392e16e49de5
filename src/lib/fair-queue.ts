/**
 * A waiting line that is FIFO per key (a user) and round-robin across keys, so one user's
 * burst of jobs cannot starve everyone else: with A1 A2 A3 B1 waiting, the order is
 * A1 B1 A2 A3. A key that empties leaves the rotation; when it comes back it queues at the end.
 */
export interface FairQueue<T> {
  push(key: string, item: T): void;
  /** The next item in fair order, or undefined when nothing waits. */
  next(): T | undefined;
  /** Removes the first item matching `match`; returns true when one was removed. */
  remove(match: (item: T) => boolean): boolean;
  readonly size: number;
}

export function createFairQueue<T>(): FairQueue<T> {
  const lines = new Map<string, T[]>();
  /** Keys whose turn comes next, front first. */
  const turns: string[] = [];
  let size = 0;

  return {
    push(key, item) {
      let line = lines.get(key);
      if (!line) {
        line = [];
        lines.set(key, line);
        turns.push(key);
      }
      line.push(item);
      size += 1;
    },

    next() {
      const key = turns.shift();
      if (key === undefined) return undefined;
      const line = lines.get(key)!;
      const item = line.shift()!;
      size -= 1;
      if (line.length > 0) turns.push(key);
      else lines.delete(key);
      return item;
    },

    remove(match) {
      for (const [key, line] of lines) {
        const index = line.findIndex(match);
        if (index < 0) continue;
        line.splice(index, 1);
        size -= 1;
        if (line.length === 0) {
          lines.delete(key);
          turns.splice(turns.indexOf(key), 1);
        }
        return true;
      }
      return false;
    },

    get size() {
      return size;
    },
  };
}
