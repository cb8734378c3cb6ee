// "Queue a task": a FIFO of macrotasks. setTimeout(0) is clamped to 4 ms after a few nested
// calls, so tasks go through one MessageChannel; without one, setTimeout is the fallback.
const queue = [];
let port = null;
let scheduled = 0;

function runOne() {
  scheduled--;
  const task = queue.shift();
  if (task) task();
}

function schedule() {
  scheduled++;
  if (port === null && typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    channel.port1.onmessage = runOne;
    port = channel.port2;
  }
  if (port) port.postMessage(null);
  else setTimeout(runOne, 0);
}

// Runs `task` in a later task, after every task queued before it. An exception thrown by the
// task is reported (as an uncaught error would be) and does not stop later tasks.
export function queueTask(task) {
  queue.push(() => {
    try {
      task();
    } catch (error) {
      reportError(error);
    }
  });
  schedule();
}

export function reportError(error) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else setTimeout(() => { throw error; }, 0);
}
