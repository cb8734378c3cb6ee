// One interface over the three browsers the engine tests drive, so a test is written once:
//   const engine = await launchEngine('webkitgtk' | 'firefox' | 'chromium');
//   const page = await engine.newPage();
//   await page.goto(url); await page.evaluate(fn, arg); await page.waitForFunction(fn, arg, {timeout});
//   await page.errors();   // uncaught errors, unhandled rejections, console.error
//   await engine.close();  // stops every process it started
// None of them has a native WebRTC the page can see: WebKitGTK has it compiled out, Firefox
// runs with media.peerconnection.enabled=false, Chromium's RTC* globals are deleted before any
// page script runs (tests/support/chromium.mjs).
import { launchWebKit } from './webkit.mjs';
import { launchFirefox } from './firefox.mjs';
import { launchChromium, newPageWithoutWebRtc } from './chromium.mjs';

async function launchChromiumEngine() {
  const browser = await launchChromium();
  const version = `chromium ${browser.version()}`;
  return {
    name: 'chromium',
    version,
    async newPage() {
      const page = await newPageWithoutWebRtc(browser);
      return {
        version,
        goto: (url) => page.goto(url),
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        waitForFunction: (fn, arg, options) => page.waitForFunction(fn, arg, options),
        errors: async () => [...page.errors],
        close: () => page.context().close(),
      };
    },
    close: () => browser.close(),
  };
}

export const kEngines = {
  webkitgtk: launchWebKit,
  firefox: launchFirefox,
  chromium: launchChromiumEngine,
};

export function launchEngine(name) {
  const launch = kEngines[name];
  if (!launch) throw new Error(`unknown engine ${name}`);
  return launch();
}
