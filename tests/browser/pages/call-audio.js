// Audio measurement for the call tests: what a MediaStream (a remote party, or the local
// capture) sounds like, through Web Audio as any page would hear it. Used by call-10-1.html and,
// injected by the test, by the interop pages (tests/interop/pages/audio-*.html).
//
// measureAudio(stream, ms) records ~680 ms of the stream's first audio track (an AnalyserNode's
// 32768-sample window at 48 kHz) and returns
//   { rmsDbfs, peakDbfs, frequency, tonePowerDb, sampleRate }
// where `frequency` is the strongest frequency between 100 Hz and 4 kHz (Goertzel with a Hann
// window: a 5 Hz scan, then 0.1 Hz around the best bin) and `tonePowerDb` its power relative to
// a full-scale sine, in dB. With `frequencies` ([Hz]) it also returns powersDb: the power at each
// of them on the same scale (a DTMF tone's two frequencies, say).
/* exported measureAudio, audioContext */
'use strict';
var audioContext = null;

function goertzelPower(samples, window, rate, frequency) {
  var w = 2 * Math.PI * frequency / rate;
  var coeff = 2 * Math.cos(w);
  var s1 = 0;
  var s2 = 0;
  for (var i = 0; i < samples.length; i++) {
    var s0 = samples[i] * window[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

function analyseSamples(samples, rate, frequencies) {
  var n = samples.length;
  var window = new Float32Array(n);
  var windowSum = 0;
  for (var i = 0; i < n; i++) {
    window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1));
    windowSum += window[i];
  }
  var sumSquares = 0;
  var peak = 0;
  for (var j = 0; j < n; j++) {
    sumSquares += samples[j] * samples[j];
    peak = Math.max(peak, Math.abs(samples[j]));
  }
  var best = 0;
  var bestPower = -1;
  for (var f = 100; f <= 4000; f += 5) {
    var p = goertzelPower(samples, window, rate, f);
    if (p > bestPower) { bestPower = p; best = f; }
  }
  for (var g = best - 5; g <= best + 5; g += 0.1) {
    var q = goertzelPower(samples, window, rate, g);
    if (q > bestPower) { bestPower = q; best = g; }
  }
  // A full-scale sine of amplitude 1 gives |X| = windowSum / 2 at its frequency.
  var fullScale = (windowSum / 2) * (windowSum / 2);
  var db = function (x) { return x > 0 ? Math.round(10 * Math.log10(x) * 10) / 10 : -Infinity; };
  var powersDb = {};
  (frequencies || []).forEach(function (f) { powersDb[f] = db(goertzelPower(samples, window, rate, f) / fullScale); });
  return {
    powersDb: powersDb,
    rmsDbfs: db(sumSquares / n * 2), // relative to a full-scale sine's mean square (1/2)
    peakDbfs: db(peak * peak),
    frequency: Math.round(best * 10) / 10,
    tonePowerDb: db(bestPower / fullScale),
    sampleRate: rate,
  };
}

function measureAudio(stream, ms, frequencies) {
  if (!audioContext) audioContext = new AudioContext({ sampleRate: 48000 });
  var ctx = audioContext;
  return ctx.resume().then(function () {
    var source = ctx.createMediaStreamSource(stream);
    var analyser = ctx.createAnalyser();
    analyser.fftSize = 32768;
    analyser.smoothingTimeConstant = 0;
    source.connect(analyser);
    var waitMs = Math.max(ms || 0, Math.ceil(analyser.fftSize / ctx.sampleRate * 1000) + 100);
    return new Promise(function (resolve) { setTimeout(resolve, waitMs); }).then(function () {
      var samples = new Float32Array(analyser.fftSize);
      analyser.getFloatTimeDomainData(samples);
      source.disconnect();
      var result = analyseSamples(samples, ctx.sampleRate, frequencies);
      result.contextState = ctx.state;
      return result;
    });
  });
}
