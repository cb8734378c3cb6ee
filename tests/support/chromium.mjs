// Headless Debian Chromium driven by playwright-core, made to look like a browser without
// WebRTC: every native RTC* global is deleted before any page script runs, so whatever
// WebRTC the page gets is polyrtc's.
import { chromium } from 'playwright-core';

const kChromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  // Without these Chromium keeps dialling Google's hosts, which this network refuses.
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const kNativeWebRtcGlobals = [
  'RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate',
  'RTCDataChannel', 'RTCRtpSender', 'RTCRtpReceiver', 'RTCRtpTransceiver', 'RTCPeerConnectionIceEvent',
  'RTCDataChannelEvent', 'RTCTrackEvent', 'RTCCertificate', 'RTCDtlsTransport', 'RTCIceTransport',
  'RTCSctpTransport', 'RTCStatsReport', 'RTCError', 'RTCErrorEvent', 'RTCDTMFSender',
  'RTCDTMFToneChangeEvent', 'RTCPeerConnectionIceErrorEvent', 'RTCEncodedAudioFrame',
  'RTCEncodedVideoFrame', 'RTCRtpScriptTransform', 'MediaStreamEvent', // the last: legacy onaddstream's event, still in Chromium 156
];

export async function launchChromium({ extraArgs = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.POLYRTC_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...kChromiumArgs, ...extraArgs],
  });
}

// A page whose window has no native WebRTC. Console errors and page errors are collected
// so a test can assert the page ran cleanly.
export async function newPageWithoutWebRtc(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript((names) => {
    for (const name of names) delete window[name];
  }, kNativeWebRtcGlobals);
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(String(error)));
  page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(msg.text()); });
  return page;
}
