// A 20 ms frame clock on timers: frames are produced by elapsed time (frame k is due at
// start + 20k ms), so late timers catch up and nothing drifts; after a long stall (a
// background tab's throttled timers) at most one second of frames is produced at once and
// the rest is skipped. The synthetic source uses it for capture, and remote tracks use it to
// keep draining the engine while no audio clock pulls them.
import { framesDue, kFrameMs } from './frames.mjs';

const now = () => performance.now();

export class FrameTimer {
  #produce;
  #start = 0;
  #produced = 0;
  #timer = null;
  #running = false;
  skipped = 0;

  // produce(nowMs) makes one frame.
  constructor(produce) {
    this.#produce = produce;
  }

  get running() { return this.#running; }

  start() {
    if (this.#running) return;
    this.#running = true;
    this.resync();
    this.#tick();
  }

  // Restart counting from now (after the frames were produced by something else).
  resync() {
    this.#start = now();
    this.#produced = 0;
  }

  stop() {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #tick = () => {
    this.#timer = null;
    if (!this.#running) return;
    const t = now();
    const { make, skipped } = framesDue(this.#start, this.#produced, t, 50);
    this.#produced += skipped;
    this.skipped += skipped;
    for (let i = 0; i < make && this.#running; i++) {
      this.#produced++;
      this.#produce(t);
    }
    if (!this.#running) return;
    const next = this.#start + this.#produced * kFrameMs;
    this.#timer = setTimeout(this.#tick, Math.max(1, next - now()));
  };
}
