// Runs before spec example 10.1 (call-10-1.html) and supplies what the examples leave to the
// page: log (example 10.1's logError writes to it), alert and lightKey (example 10.5), `track`
// (set by call-10-1-after.js once the call is up), and the recorder every test reads:
// callEvents, the order of everything the call does on this side (question 20, section 10.4).
/* exported log, lightKey, track, logged, alerts, keys, callEvents, note, epochNow, longTasks */
'use strict';
var t0 = performance.now();
var callEvents = []; // [{t, what}], t in ms since the page loaded
var logged = [];
var alerts = [];
var keys = []; // lightKey(x) calls: [{key, t}]
var track; // the local audio track, for example 10.5

// Main-thread tasks of 50 ms or more (Long Tasks API): a timer cannot fire during one, so the
// DTMF tests print those that overlap their tones.
var longTasks = []; // [{start, duration}] in performance.now() ms
if (typeof PerformanceObserver === 'function' && (PerformanceObserver.supportedEntryTypes || []).indexOf('longtask') >= 0) {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) { longTasks.push({ start: Math.round(e.startTime), duration: Math.round(e.duration) }); });
  }).observe({ type: 'longtask' });
}

function epochNow() { return performance.timeOrigin + performance.now(); }
function note(what) { callEvents.push({ t: Math.round((performance.now() - t0) * 10) / 10, what: what }); }

function log(msg) {
  logged.push(String(msg));
  note('log ' + msg);
}

// Example 10.5 falls back to alert() when DTMF is not available: recorded, never a dialog.
window.alert = function (msg) {
  alerts.push(String(msg));
  note('alert ' + msg);
};

// "lightKey(x) while the tone is playing (assuming that lightKey('') will darken all the keys)"
function lightKey(x) {
  keys.push({ key: x, t: performance.now() });
}

// The example's navigator.getUserMedia(constraints, success) call, noted, passed on with the
// same arguments (two: polyrtc must accept the legacy form without an error callback).
(function () {
  var getUserMedia = navigator.getUserMedia;
  if (typeof getUserMedia !== 'function') return;
  navigator.getUserMedia = function (constraints, success, failure) {
    note('getUserMedia ' + JSON.stringify(constraints));
    var onSuccess = function (stream) {
      note('getUserMedia success: ' + stream.getTracks().map(function (t) { return t.kind; }).join(','));
      success(stream);
    };
    if (arguments.length < 3) return getUserMedia.call(navigator, constraints, onSuccess);
    return getUserMedia.call(navigator, constraints, onSuccess, function (e) {
      note('getUserMedia error ' + e.name);
      failure(e);
    });
  };
})();
