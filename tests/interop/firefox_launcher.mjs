// Debian's Firefox ESR with its native WebRTC on, headless, driven by puppeteer-core over
// WebDriver BiDi. Minimal on purpose: the `engines` branch has the shared launcher
// (tests/support/firefox.mjs, WebRTC off for polyrtc); once merged this can become
// launchFirefox({prefs}) with the prefs below.
import puppeteer from 'puppeteer-core';

const kPrefs = {
  // Firefox gathers nothing on loopback by default, and the relay is on 127.0.0.1.
  'media.peerconnection.ice.loopback': true,
  // A fresh profile stays offline: no update, telemetry or captive-portal traffic.
  'app.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'extensions.update.enabled': false,
};

// Startup is slow on a loaded 2-core machine (up to ~15 s).
export async function launchFirefoxWithWebRtc() {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.POLYRTC_FIREFOX ?? '/usr/bin/firefox-esr',
    headless: true,
    protocol: 'webDriverBiDi',
    timeout: 90000,
    protocolTimeout: 60000,
    extraPrefsFirefox: kPrefs,
  });
  return {
    browser,
    version: await browser.version(),
    // A tab with console errors and page errors collected in page.errors.
    async newPage() {
      const page = await browser.newPage();
      page.errors = [];
      page.on('pageerror', (error) => page.errors.push(String(error)));
      page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(msg.text()); });
      return page;
    },
    async close() {
      const child = browser.process();
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10000);
      await browser.close().catch(() => child?.kill('SIGKILL'));
      clearTimeout(timer);
    },
  };
}
