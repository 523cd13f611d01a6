import { connect } from 'node:net';

/** What a raw-socket exchange saw. */
export interface Exchange {
  /** Everything the server sent. */
  readonly text: string;
  /** The status of every response in it, in order. */
  readonly statuses: number[];
  /** False when the server still held the connection open after `giveUpMs`. */
  readonly closedByServer: boolean;
}

/**
 * Sends `data` on a fresh connection (and `later.data` after `later.after` ms, if given) and reads
 * until the server closes it, or gives up after `giveUpMs`.
 */
export function exchange(port: number, data: string, giveUpMs = 8_000, later?: { after: number; data: string }): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      if (data) socket.write(data);
      if (later) setTimeout(() => socket.writable && socket.write(later.data), later.after);
    });
    let text = '';
    let closedByServer = true;
    const timer = setTimeout(() => {
      closedByServer = false;
      socket.destroy();
    }, giveUpMs);
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, statuses: [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])), closedByServer });
    });
  });
}
