// A macrotask boundary. On wasm and cpu a training step and its `data()` reads resolve as
// microtasks, so a loop of awaits alone never lets the event loop run: Ctrl-C handlers,
// timers (an AbortController fired from setTimeout) and, in a browser, rendering would wait
// for the whole run. One yield per step costs microseconds.

/** Resolves on a later turn of the event loop (setImmediate in Node, a MessageChannel task in browsers, else setTimeout 0). */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') return new Promise((resolve) => void immediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
