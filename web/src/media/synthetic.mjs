// The synthetic audio source: what getUserMedia gives where the browser cannot capture (no
// capture API, or no microphone), and everywhere when configured to replace the microphone.
// Default: silence. setSyntheticAudio({frequency: 440, level: 0.25}) makes it a sine tone
// (frequency in Hz, 0 < f < 24000; level in 0..1 of full scale). The settings apply to tracks
// created afterwards.
//
// Its frames are computed (ToneGenerator), not recorded: capture of a synthetic track runs a
// 20 ms timer (clock.mjs) and never touches Web Audio, so it works with no AudioContext and
// while one is suspended. Where tracks are native, the track itself is an OscillatorNode
// through a MediaStreamAudioDestinationNode, so a self-view or the page's own analysis hears
// the same tone.
import { ToneGenerator } from './frames.mjs';
import { domException, typeError } from '../webidl.mjs';
import { usesNativeStreams } from './classes.mjs';
import { audioContext } from './audio_context.mjs';
import { createStandInTrack } from './stand_in.mjs';
import { setSource, whenEnded } from './sources.mjs';

const kDefaults = Object.freeze({ frequency: 0, level: 0, replaceMicrophone: false });
let settings = kDefaults;

// null or {} restores the defaults. Unknown members are ignored; bad values are a TypeError.
export function setSyntheticAudio(options) {
  if (options === undefined || options === null) {
    settings = kDefaults;
    return { ...settings };
  }
  if (typeof options !== 'object') throw typeError('setSyntheticAudio: options must be an object');
  const next = { ...kDefaults };
  if (options.frequency !== undefined) {
    const f = Number(options.frequency);
    if (!Number.isFinite(f) || f < 0 || f >= 24000) throw typeError('setSyntheticAudio: frequency must be in [0, 24000) Hz');
    next.frequency = f;
  }
  if (options.level !== undefined) {
    const l = Number(options.level);
    if (!Number.isFinite(l) || l < 0 || l > 1) throw typeError('setSyntheticAudio: level must be in [0, 1]');
    next.level = l;
  }
  // A tone needs a level: {frequency: 440} alone means a quarter of full scale.
  if (next.frequency > 0 && options.level === undefined) next.level = 0.25;
  if (options.replaceMicrophone !== undefined) next.replaceMicrophone = Boolean(options.replaceMicrophone);
  settings = Object.freeze(next);
  return { ...settings };
}

export function syntheticAudioSettings() {
  return { ...settings };
}

function describe({ frequency, level }) {
  return frequency > 0 && level > 0 ? `polyrtc synthetic audio (${frequency} Hz tone)` : 'polyrtc synthetic audio (silence)';
}

// The source object capture reads (sources.mjs); `release` frees the Web Audio nodes.
class SyntheticSource {
  type = 'synthetic';
  deviceId = 'polyrtc-synthetic-audio';
  #nodes = [];

  constructor(options) {
    this.options = options;
  }

  newGenerator() {
    return new ToneGenerator(this.options);
  }

  setNodes(nodes) {
    this.#nodes = nodes;
  }

  clone() {
    return new SyntheticSource(this.options);
  }

  // An AudioNode carrying the tone, for stand-in tracks played by an element.
  outputNode(ctx) {
    if (this.#nodes.length === 0) this.#nodes = toneNodes(ctx, this.options);
    return this.#nodes[this.#nodes.length - 1];
  }

  release() {
    for (const node of this.#nodes) {
      try {
        node.disconnect();
        node.stop?.();
      } catch { /* already stopped */ }
    }
    this.#nodes = [];
  }
}

function toneNodes(ctx, { frequency, level }) {
  const oscillator = ctx.createOscillator();
  oscillator.type = 'sine';
  oscillator.frequency.value = frequency > 0 ? frequency : 440;
  const gain = ctx.createGain();
  gain.gain.value = frequency > 0 ? level : 0;
  oscillator.connect(gain);
  oscillator.start();
  return [oscillator, gain];
}

// A new live audio track of the class in use, fed by the synthetic source.
export function createSyntheticAudioTrack() {
  const options = { frequency: settings.frequency, level: settings.level };
  const source = new SyntheticSource(options);
  if (usesNativeStreams) {
    const ctx = audioContext();
    // The browser refused an AudioContext (too many open, say): no native track can be made.
    if (ctx === null) throw domException('NotReadableError', 'polyrtc: the synthetic audio source needs an AudioContext, and none could be created');
    const nodes = toneNodes(ctx, options);
    const destination = ctx.createMediaStreamDestination();
    nodes[nodes.length - 1].connect(destination);
    source.setNodes([...nodes, destination]);
    const track = destination.stream.getAudioTracks()[0];
    Object.defineProperty(track, 'label', { value: describe(options), configurable: true });
    setSource(track, source);
    whenEnded(track, () => source.release());
    return track;
  }
  const track = createStandInTrack({ kind: 'audio', label: describe(options), source });
  return track;
}

// The video stand-in: a track of kind 'video' that never sends (polyrtc has no video yet).
// Natively it is a black canvas captured at 0 fps (a real track an element can show);
// without native streams a stand-in track. null when native streams are in use but the
// browser cannot capture a canvas (the stream then has no video track; docs/media.md).
export function createVideoStandInTrack() {
  const label = 'polyrtc video stand-in (not sent)';
  if (!usesNativeStreams) return createStandInTrack({ kind: 'video', label, source: { type: 'video' } });
  const doc = globalThis.document;
  const canvas = doc?.createElement?.('canvas');
  if (!canvas || typeof canvas.captureStream !== 'function') return null;
  canvas.width = 320;
  canvas.height = 240;
  const g = canvas.getContext('2d');
  if (g) {
    g.fillStyle = '#000';
    g.fillRect(0, 0, canvas.width, canvas.height);
  }
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0];
  if (!track) return null;
  track.requestFrame?.();
  Object.defineProperty(track, 'label', { value: label, configurable: true });
  setSource(track, { type: 'video' });
  return track;
}
