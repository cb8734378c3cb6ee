// Debian's Firefox ESR, headless, driven by puppeteer-core over WebDriver BiDi, with
// media.peerconnection.enabled=false: Gecko without RTCPeerConnection, RTCSessionDescription
// and RTCIceCandidate, but with leftover native interfaces (RTCDataChannel, RTCDTMFSender,
// RTCIceTransport, ...) that polyrtc's install must replace or live beside.
import puppeteer from 'puppeteer-core';

const kFirefox = process.env.POLYRTC_FIREFOX ?? '/usr/bin/firefox-esr';

const kPrefs = {
  'media.peerconnection.enabled': false,
  // Each page is a tab of one window; without these a background tab's timers run at most
  // once a second, which would pace polyrtc's pump (SCTP/DTLS timers) in the other tab.
  'dom.min_background_timeout_value': 4,
  'dom.min_background_timeout_value_without_budget_throttling': 4,
  'dom.timeout.enable_budget_timer_throttling': false,
  // A fresh profile stays offline: no update, telemetry or captive-portal traffic.
  'app.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'extensions.update.enabled': false,
};

// The puppeteer browser itself, for callers that want puppeteer's own pages (the interop
// tests, with WebRTC on): {browser, version, close()}. {prefs} extra or overriding prefs.
// Startup is slow on a loaded 2-core machine (up to ~15 s).
export async function startFirefox({ prefs = {}, startTimeoutMs = 90000 } = {}) {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: kFirefox,
    headless: true,
    protocol: 'webDriverBiDi',
    timeout: startTimeoutMs,
    protocolTimeout: 60000,
    extraPrefsFirefox: { ...kPrefs, ...prefs },
  });
  return {
    browser,
    version: await browser.version(),
    async close() {
      const child = browser.process();
      const closed = browser.close();
      // close() waits for the process; if it hangs, kill it (it is our child).
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10000);
      await closed.catch(() => child?.kill('SIGKILL'));
      clearTimeout(timer);
    },
  };
}

// Firefox behind the engine-neutral page interface of tests/support/engines.mjs.
export async function launchFirefox(options = {}) {
  const { browser, version, close } = await startFirefox(options);
  return {
    name: 'firefox',
    version,
    async newPage() {
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (error) => errors.push(`error: ${error}`));
      page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`); });
      return {
        version,
        goto: (url) => page.goto(url),
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        waitForFunction: (fn, arg, { timeout = 10000 } = {}) => page.waitForFunction(fn, { timeout, polling: 50 }, arg),
        errors: async () => [...errors],
        close: () => page.close(),
      };
    },
    close,
  };
}
