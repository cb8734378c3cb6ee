// Spec example 10.3 verbatim between pages of two different engines, none with a WebRTC of its
// own: WebKitGTK 2.50 (compiled out), Firefox ESR (pref off), Chromium (native API deleted).
// Each engine offers once and answers once; all meet in one relay.
import { test, before, after } from 'node:test';
import { launchEngine } from '../../support/engines.mjs';
import { chat, startChatRelay } from './chat.mjs';

let relay;
const engines = {};

// Bounded: a browser that does not start fails the file instead of hanging it.
before(async () => {
  relay = await startChatRelay();
  // One at a time: three browser startups at once on a loaded 2-core machine only time out.
  for (const name of ['webkitgtk', 'firefox', 'chromium']) engines[name] = await launchEngine(name);
}, { timeout: 240000 });

after(async () => {
  await Promise.all(Object.values(engines).map((engine) => engine.close()));
  await relay?.stop();
});

for (const [offerer, answerer] of [['webkitgtk', 'firefox'], ['firefox', 'chromium'], ['chromium', 'webkitgtk']]) {
  test(`engines.cross: spec example 10.3 chats from a ${offerer} page to a ${answerer} page`, { timeout: 120000 }, async (t) => {
    const a = await engines[offerer].newPage();
    const b = await engines[answerer].newPage();
    try {
      const { openMs, messagesMs } = await chat(a, b, relay);
      t.diagnostic(`${a.version} -> ${b.version}: channel open ${openMs} ms after start(true), two messages ${messagesMs} ms`);
    } finally {
      await a.close();
      await b.close();
    }
  });
}
