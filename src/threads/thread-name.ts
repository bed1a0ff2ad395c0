import { writeFileSync } from 'node:fs';

/** Linux keeps at most 15 bytes of a thread's name. */
const MAX_NAME_BYTES = 15;

/**
 * Names the calling OS thread (Linux; elsewhere nothing happens), so that `top -H`, `ps -L` and
 * /proc/<pid>/task/<tid>/comm tell the server's threads apart: the HTTP thread keeps the process's
 * name, the worker threads would otherwise all be called "node" like V8's and libuv's helpers.
 */
export function nameThisThread(name: string): void {
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new Error(`A thread name has at most ${MAX_NAME_BYTES} bytes: ${name}`);
  try {
    writeFileSync('/proc/thread-self/comm', name);
  } catch {
    // No procfs here: the name is only for people looking at threads.
  }
}
