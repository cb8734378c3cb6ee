// Debian's Firefox ESR with its native WebRTC on (the shared launcher in
// tests/support/firefox.mjs turns it off for polyrtc's engine tests), with puppeteer's own
// pages, whose console and page errors are collected in page.errors.
import { startFirefox } from '../support/firefox.mjs';

const kPrefs = {
  'media.peerconnection.enabled': true,
  // Firefox gathers nothing on loopback by default, and the relay is on 127.0.0.1.
  'media.peerconnection.ice.loopback': true,
};

export async function launchFirefoxWithWebRtc() {
  const { browser, version, close } = await startFirefox({ prefs: kPrefs });
  return {
    browser,
    version,
    async newPage() {
      const page = await browser.newPage();
      page.errors = [];
      page.on('pageerror', (error) => page.errors.push(String(error)));
      page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(msg.text()); });
      return page;
    },
    close,
  };
}
