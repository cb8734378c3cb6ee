// What feeds each track, keyed by the track object (native or stand-in): capture reads a
// synthetic track's generator or a remote track's pump directly instead of going through Web
// Audio, so frames are exact and flow even while an AudioContext is suspended. A source may be
// shared by clones; it is released when the last track holding it ends.
const sources = new WeakMap(); // track -> source

export function sourceOf(track) {
  return (track !== null && typeof track === 'object') ? sources.get(track) ?? null : null;
}

export function setSource(track, source) {
  source.refs = (source.refs ?? 0) + 1;
  sources.set(track, source);
}

export function releaseSource(track) {
  const source = sources.get(track);
  if (!source) return;
  sources.delete(track);
  source.refs -= 1;
  if (source.refs === 0) source.release?.();
}

// Native tracks cannot tell us when the page calls stop() on them; whatever a native track
// holds (nodes of a synthetic source, a capture) is released by polling readyState, once a
// second, only while something is watched.
const watched = new Map(); // track -> Set(callback)
let watchTimer = null;

export function whenEnded(track, callback) {
  let set = watched.get(track);
  if (!set) watched.set(track, (set = new Set()));
  set.add(callback);
  if (watchTimer === null) watchTimer = setInterval(checkWatched, 1000);
  return () => {
    set.delete(callback);
    if (set.size === 0) watched.delete(track);
    if (watched.size === 0 && watchTimer !== null) {
      clearInterval(watchTimer);
      watchTimer = null;
    }
  };
}

export function checkWatched() {
  for (const [track, set] of [...watched]) {
    if (track.readyState !== 'ended') continue;
    watched.delete(track);
    for (const callback of set) callback();
  }
  if (watched.size === 0 && watchTimer !== null) {
    clearInterval(watchTimer);
    watchTimer = null;
  }
}
