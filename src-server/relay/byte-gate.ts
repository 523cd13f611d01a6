/**
 * Bounds how many bytes of request bodies are handled at once (read, parsed, sealed, stored):
 * a body enters when its size fits beside those inside, in the order they came (a large one is
 * not passed over for ever by small ones), and waits at most `maxWaitMs`. A flood of large bodies
 * then waits at the gate, unread (the kernel's socket buffers hold what the senders pushed),
 * instead of growing the server's memory with each.
 */
export class ByteGate {
  private inside = 0;
  private readonly queue: Array<{ readonly bytes: number; readonly enter: () => void }> = [];

  constructor(private readonly capacity: number) {}

  /** Bytes inside the gate right now. */
  get used(): number {
    return this.inside;
  }

  /**
   * Waits until `bytes` fit (at most the capacity); resolves with the function that lets them out
   * again, or null when `maxWaitMs` passed or `signal` aborted first (nothing is then held).
   */
  enter(bytes: number, maxWaitMs: number, signal?: AbortSignal): Promise<(() => void) | null> {
    const size = Math.min(Math.max(0, bytes), this.capacity);
    if (this.queue.length === 0 && this.inside + size <= this.capacity) {
      this.inside += size;
      return Promise.resolve(this.leaver(size));
    }
    return new Promise((resolve) => {
      const waiter = {
        bytes: size,
        enter: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', giveUp);
          resolve(this.leaver(size));
        },
      };
      const giveUp = () => {
        const at = this.queue.indexOf(waiter);
        if (at < 0) return;
        this.queue.splice(at, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', giveUp);
        resolve(null);
        // The head may have been this one: the next may fit now.
        this.admit();
      };
      const timer = setTimeout(giveUp, maxWaitMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      this.queue.push(waiter);
    });
  }

  private leaver(size: number): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inside -= size;
      this.admit();
    };
  }

  private admit(): void {
    while (this.queue.length > 0 && this.inside + this.queue[0]!.bytes <= this.capacity) {
      const next = this.queue.shift()!;
      this.inside += next.bytes;
      next.enter();
    }
  }
}
