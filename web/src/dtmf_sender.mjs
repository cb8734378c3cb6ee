// RTCDTMFSender and RTCDTMFToneChangeEvent (webrtc-pc §7). The tone buffer, the playout task
// and the tonechange events live here, in the page, next to the timers that govern them; the
// engine is only told "play this tone for this long now" (playDtmfTone, one RFC 4733 event on
// the wire). docs/questions.md (questions 21-27) explains the choices (Q21-27).
import { BaseEventTarget, defineEventHandlers } from './events.mjs';
import { queueTask } from './tasks.mjs';
import { domException, requireArguments, toDOMString, toDictionary, toUnsignedLong } from './webidl.mjs';

const kConstruct = Symbol('RTCDTMFSender');

// "The characters 0 through 9, A through D, #, and *" and ",", a-d normalised to uppercase.
const kTones = /^[0-9A-D#*,]*$/;
const kMinDuration = 40;
const kMaxDuration = 6000;
const kMinInterToneGap = 30;
const kCommaPause = 2000;

export class RTCDTMFToneChangeEvent extends Event {
  #tone;

  constructor(type, eventInitDict = {}) {
    requireArguments(arguments, 1, 'RTCDTMFToneChangeEvent');
    const init = toDictionary(eventInitDict, 'RTCDTMFToneChangeEventInit');
    super(type, init);
    this.#tone = init.tone === undefined ? '' : toDOMString(init.tone);
  }

  get tone() { return this.#tone; }
}

// For rtp_transceiver.mjs: create(link), halt(dtmf, forever), isPlaying(dtmf); filled in by
// the class's static block.
export const dtmfInternals = {};

// `link` is the sender's side of the sender/DTMF pair (rtp_transceiver.mjs):
//   canInsert()   "determine if DTMF can be sent" (not stopping, a track, currently sending,
//                 telephone-event negotiated: the engine's canInsertDtmf)
//   stopping()    the transceiver is stopping or stopped, or the connection is closed
//   sending()     the transceiver's currentDirection is sendrecv or sendonly
//   hasLiveTrack() the sender has a track that has not ended
//   playTone(tone, durationMs)  one event on the wire, now
//   track()       the sender's track (the legacy `track` attribute)
export class RTCDTMFSender extends BaseEventTarget {
  #link;
  #toneBuffer = '';
  #duration = 100;
  #interToneGap = 70;
  #scheduled = false; // "a Playout task is scheduled to be run"
  #timer = null;
  #plannedAt = 0; // when the scheduled playout task is due (performance.now() clock)
  #halted = false;

  constructor(token, link) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    super();
    this.#link = link;
  }

  get canInsertDTMF() { return !this.#halted && this.#link.canInsert(); }
  // The 2012 draft's name, used by spec example 10.5 (non-standard alias).
  get canSendDTMF() { return this.canInsertDTMF; }
  get toneBuffer() { return this.#toneBuffer; }
  // The legacy createDTMFSender() object's attributes (2013 draft), kept for old pages.
  get track() { return this.#link.track(); }
  get duration() { return this.#duration; }
  get interToneGap() { return this.#interToneGap; }

  insertDTMF(tones, duration = 100, interToneGap = 70) {
    requireArguments(arguments, 1, 'insertDTMF');
    const requested = toDOMString(tones);
    const durationMs = toUnsignedLong(duration);
    const gapMs = toUnsignedLong(interToneGap);
    if (this.#link.stopping()) throw domException('InvalidStateError', 'insertDTMF: the transceiver is stopped');
    if (!this.#link.sending()) throw domException('InvalidStateError', 'insertDTMF: the transceiver is not sending (currentDirection is not sendrecv or sendonly)');
    if (!this.canInsertDTMF) throw domException('InvalidStateError', 'insertDTMF: DTMF cannot be sent on this sender (no track, or the peer did not negotiate telephone-event)');
    const normalized = requested.toUpperCase();
    if (!kTones.test(normalized)) {
      throw domException('InvalidCharacterError', `insertDTMF: '${requested}' has characters other than 0-9, A-D, #, * and ,`);
    }
    this.#toneBuffer = normalized;
    this.#duration = Math.min(Math.max(durationMs, kMinDuration), kMaxDuration);
    this.#interToneGap = Math.max(gapMs, kMinInterToneGap);
    if (this.#toneBuffer === '' || this.#scheduled) return;
    this.#scheduled = true;
    queueTask(() => {
      this.#plannedAt = performance.now();
      this.#playout();
    });
  }

  // The playout task. Each next run is planned from when this one was due, not from when its
  // timer fired, so timer lateness does not add up over a long buffer.
  #playout() {
    this.#timer = null;
    this.#scheduled = false;
    if (this.#halted || this.#link.stopping() || !this.#link.sending() || !this.#link.hasLiveTrack()) return;
    if (this.#toneBuffer === '') {
      this.dispatchEvent(new RTCDTMFToneChangeEvent('tonechange', { tone: '' }));
      return;
    }
    const tone = this.#toneBuffer[0];
    this.#toneBuffer = this.#toneBuffer.slice(1);
    if (tone === ',') {
      this.#schedule(kCommaPause);
    } else {
      this.#link.playTone(tone, this.#duration);
      this.#schedule(this.#duration + this.#interToneGap);
    }
    this.dispatchEvent(new RTCDTMFToneChangeEvent('tonechange', { tone }));
  }

  #schedule(stepMs) {
    this.#scheduled = true;
    this.#plannedAt += stepMs;
    this.#timer = setTimeout(() => this.#playout(), Math.max(0, this.#plannedAt - performance.now()));
  }

  // The connection closed, the transceiver stopped or the track ended: no tone plays and no
  // tonechange fires after this. A later track (replaceTrack) resumes insertDTMF.
  #halt(forever) {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#scheduled = false;
    this.#toneBuffer = '';
    if (forever) this.#halted = true;
  }

  static {
    dtmfInternals.create = (link) => new RTCDTMFSender(kConstruct, link);
    dtmfInternals.halt = (dtmf, forever = true) => dtmf.#halt(forever);
    dtmfInternals.isPlaying = (dtmf) => dtmf.#scheduled;
  }

  get [Symbol.toStringTag]() { return 'RTCDTMFSender'; }
}

defineEventHandlers(RTCDTMFSender.prototype, ['tonechange']);
