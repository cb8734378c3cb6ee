// Media elements and object URLs for streams.
//
// URL.createObjectURL(stream) was removed for MediaStream from browsers; spec example 10.1
// still does `remoteView.src = URL.createObjectURL(evt.stream)`. polyrtc's createObjectURL
// returns a blob:-shaped URL for any MediaStream (native or stand-in) and remembers it; the
// `src` setter of HTMLMediaElement recognises such a URL and plays the stream (srcObject for a
// native stream; Web Audio for a stand-in), and `src` reads the URL back. revokeObjectURL
// forgets it (an element already playing it keeps playing, as with blob URLs). Any other
// object (Blob, MediaSource) and any other URL go to the browser untouched. Only the `src`
// property is intercepted: setAttribute('src', url) and <source> children are not.
//
// srcObject = stream works for native streams natively; for stand-in streams polyrtc plays
// their audio tracks to AudioContext.destination while the element is "playing" (autoplay, or
// after play() until pause()), at the element's volume, silent while muted.
import { isMediaStream } from './classes.mjs';
import { isStandInStream, newId } from './stand_in.mjs';
import { sourceOf } from './sources.mjs';
import { audioContext, resumeAudio } from './audio_context.mjs';

const streamUrls = new Map();       // url -> stream
const elementUrls = new WeakMap();  // element -> url it was given through src
const bindings = new WeakMap();     // element -> StandInBinding

export function createStreamUrl(stream) {
  const origin = globalThis.location?.origin;
  const url = `blob:${origin && origin !== 'null' ? origin : 'null'}/${newId()}`;
  streamUrls.set(url, stream);
  return url;
}

export function streamForUrl(url) {
  return streamUrls.get(url) ?? null;
}

export function revokeStreamUrl(url) {
  return streamUrls.delete(url);
}

// Plays a stand-in stream's audio tracks through Web Audio for one element.
class StandInBinding {
  #element;
  #gain = null;
  #connected = new Map(); // track -> node
  #playing = false;
  #onChange = () => this.#sync();
  #onVolume = () => this.#applyVolume();

  constructor(element, stream) {
    this.#element = element;
    this.stream = stream;
    stream.addEventListener('addtrack', this.#onChange);
    stream.addEventListener('removetrack', this.#onChange);
    element.addEventListener('volumechange', this.#onVolume);
    if (element.autoplay) this.play();
  }

  get playing() { return this.#playing; }

  // The GainNode (in polyrtc's AudioContext) the element's audio goes through, or null.
  get output() { return this.#gain; }

  play() {
    this.#playing = true;
    resumeAudio();
    this.#sync();
  }

  pause() {
    this.#playing = false;
    this.#sync();
  }

  #applyVolume() {
    if (this.#gain === null) return;
    const e = this.#element;
    this.#gain.gain.value = e.muted ? 0 : (Number.isFinite(e.volume) ? e.volume : 1);
  }

  #sync() {
    const wanted = this.#playing ? this.stream.getAudioTracks().filter((t) => t.readyState !== 'ended') : [];
    for (const [track, node] of [...this.#connected]) {
      if (wanted.includes(track)) continue;
      try { node.disconnect(this.#gain); } catch { /* already */ }
      this.#connected.delete(track);
    }
    if (wanted.length === 0) return;
    const ctx = audioContext();
    if (ctx === null) return;
    if (this.#gain === null) {
      this.#gain = ctx.createGain();
      this.#gain.connect(ctx.destination);
      this.#applyVolume();
    }
    for (const track of wanted) {
      if (this.#connected.has(track)) continue;
      const node = sourceOf(track)?.outputNode?.(ctx) ?? null;
      if (node === null) continue;
      node.connect(this.#gain);
      this.#connected.set(track, node);
    }
  }

  detach() {
    this.pause();
    this.stream.removeEventListener('addtrack', this.#onChange);
    this.stream.removeEventListener('removetrack', this.#onChange);
    this.#element.removeEventListener('volumechange', this.#onVolume);
    if (this.#gain !== null) {
      try { this.#gain.disconnect(); } catch { /* already */ }
    }
    this.#gain = null;
  }
}

// Where streams are stand-ins a page cannot createMediaStreamSource() them; this is the
// AudioNode (polyrtc's AudioContext, node.context) carrying what `element` plays, for analysis,
// or null (nothing playing, or a native stream: use createMediaStreamSource on it).
export function elementAudioNode(element) {
  return bindings.get(element)?.output ?? null;
}

// Installs the src/srcObject/play/pause interception on HTMLMediaElement.prototype and the
// createObjectURL/revokeObjectURL wrappers on URL. Returns the names it defined.
export function installElementSupport(target) {
  const defined = [];
  const URLClass = target.URL;
  if (typeof URLClass === 'function' && !URLClass.createObjectURL?.polyrtc) {
    const nativeCreate = URLClass.createObjectURL;
    const nativeRevoke = URLClass.revokeObjectURL;
    const createObjectURL = function createObjectURL(object) {
      if (isMediaStream(object)) return createStreamUrl(object);
      if (typeof nativeCreate !== 'function') throw new TypeError('URL.createObjectURL is not supported');
      return nativeCreate.apply(URLClass, arguments);
    };
    const revokeObjectURL = function revokeObjectURL(url) {
      if (revokeStreamUrl(`${url}`)) return undefined;
      if (typeof nativeRevoke === 'function') return nativeRevoke.apply(URLClass, arguments);
      return undefined;
    };
    createObjectURL.polyrtc = true;
    Object.defineProperty(URLClass, 'createObjectURL', { value: createObjectURL, writable: true, configurable: true, enumerable: true });
    Object.defineProperty(URLClass, 'revokeObjectURL', { value: revokeObjectURL, writable: true, configurable: true, enumerable: true });
    defined.push('URL.createObjectURL', 'URL.revokeObjectURL');
  }

  const Element = target.HTMLMediaElement;
  const proto = Element?.prototype;
  if (!proto || proto.play?.polyrtc) return defined;
  const srcDescriptor = Object.getOwnPropertyDescriptor(proto, 'src');
  const srcObjectDescriptor = Object.getOwnPropertyDescriptor(proto, 'srcObject');
  const nativePlay = proto.play;
  const nativePause = proto.pause;

  const nativeSetSrcObject = (element, value) => {
    if (srcObjectDescriptor?.set) srcObjectDescriptor.set.call(element, value);
  };

  // Points `element` at `stream` (or at nothing).
  const attach = (element, stream) => {
    const old = bindings.get(element);
    if (old) {
      old.detach();
      bindings.delete(element);
    }
    if (stream !== null && isStandInStream(stream)) {
      nativeSetSrcObject(element, null);
      bindings.set(element, new StandInBinding(element, stream));
      return;
    }
    // A native stream, null, or another srcObject value (MediaSource, Blob): the browser's.
    nativeSetSrcObject(element, stream);
  };

  if (srcDescriptor?.set) {
    Object.defineProperty(proto, 'src', {
      configurable: true,
      enumerable: srcDescriptor.enumerable,
      get() {
        return elementUrls.get(this) ?? srcDescriptor.get.call(this);
      },
      set(value) {
        const url = `${value}`;
        const stream = streamForUrl(url);
        if (stream !== null) {
          elementUrls.set(this, url);
          attach(this, stream);
          return;
        }
        if (elementUrls.has(this)) {
          elementUrls.delete(this);
          attach(this, null);
        }
        srcDescriptor.set.call(this, value);
      },
    });
    defined.push('HTMLMediaElement.prototype.src');
  }

  Object.defineProperty(proto, 'srcObject', {
    configurable: true,
    enumerable: srcObjectDescriptor?.enumerable ?? true,
    get() {
      const binding = bindings.get(this);
      if (binding) return binding.stream;
      return srcObjectDescriptor?.get ? srcObjectDescriptor.get.call(this) : null;
    },
    set(value) {
      elementUrls.delete(this);
      attach(this, value === undefined ? null : value);
    },
  });
  defined.push('HTMLMediaElement.prototype.srcObject');

  // play()/pause() start and stop the Web Audio path of a stand-in stream; for native streams
  // they only resume polyrtc's AudioContext (remote audio is rendered through it).
  const play = function play() {
    resumeAudio();
    const binding = bindings.get(this);
    if (binding) {
      binding.play();
      return Promise.resolve();
    }
    return nativePlay.apply(this, arguments);
  };
  play.polyrtc = true;
  const pause = function pause() {
    const binding = bindings.get(this);
    if (binding) binding.pause();
    return nativePause.apply(this, arguments);
  };
  Object.defineProperty(proto, 'play', { value: play, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(proto, 'pause', { value: pause, writable: true, configurable: true, enumerable: true });
  defined.push('HTMLMediaElement.prototype.play', 'HTMLMediaElement.prototype.pause');
  return defined;
}
