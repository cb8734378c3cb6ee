// Runs after example 10.1 (call-example-10-1.js): wires the page to the example without touching
// it. The Call button calls start() ("call start() to initiate"); the other tab's example calls
// start() itself when the offer arrives. The keypad sends DTMF the way spec example 10.5 does:
// sender = pc.createDTMFSender(track), its ontonechange lights the key playing (lightKey), and
// a key pressed while tones play is appended with insertDTMF(sender.toneBuffer + key) (the
// fourth example). Tones from the other tab show through polyrtc's non-standard `dtmf` event.
/* global callUi, demoRoom, start: writable, pc, signalingChannel */
'use strict';

var track = null;  // the local audio track, once the call is up (10.5's `track`)
var sender = null; // 10.5's `sender`

(function () {
  var $ = callUi.$;
  demoRoom.show($, signalingChannel.room);

  var keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
  keys.forEach(function (key) {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = key;
    button.dataset.key = key;
    button.disabled = true;
    button.addEventListener('click', function () { press(key); });
    $('keypad').appendChild(button);
  });

  // "lightKey(x) while the tone is playing (assuming that lightKey('') will darken all the keys)"
  function lightKey(x) {
    Array.prototype.forEach.call($('keypad').children, function (b) { b.classList.toggle('lit', b.dataset.key === x); });
  }

  function press(key) {
    if (!sender) {
      track = pc.getLocalStreams()[0].getAudioTracks()[0];
      sender = pc.createDTMFSender(track);
      sender.ontonechange = function (e) {
        lightKey(e.tone);
      };
    }
    if (sender.canSendDTMF) {
      sender.insertDTMF(sender.toneBuffer + key);
    } else {
      callUi.addLog('DTMF function not available');
    }
  }

  function setKeypad(enabled) {
    Array.prototype.forEach.call($('keypad').children, function (b) { b.disabled = !enabled; });
  }

  // Follows the connection the example makes. `start` is the example's global function;
  // wrapping it keeps the example's own text as it is.
  var exampleStart = start;
  start = function () {
    exampleStart();
    $('start').disabled = true;
    callUi.setStatus('connecting', 'Calling…');
    callUi.addLog('start()');
    ['signalingState', 'iceConnectionState', 'connectionState'].forEach(function (name) {
      var type = name.toLowerCase().replace('state', 'statechange');
      pc.addEventListener(type, function () {
        callUi.addLog(name + ' ' + pc[name]);
        if (name !== 'connectionState') return;
        $('connection').textContent = pc.connectionState;
        if (pc.connectionState === 'connected') {
          callUi.setStatus('connected', 'In a call with the other tab');
          setKeypad(true);
        } else if (pc.connectionState === 'failed' || pc.connectionState === 'disconnected' || pc.connectionState === 'closed') {
          callUi.setStatus('error', 'Connection ' + pc.connectionState);
          setKeypad(false);
        }
      });
    });
    pc.addEventListener('addstream', function () { callUi.addLog('the other tab\'s stream arrived'); });
    // polyrtc's non-standard event for a tone the other tab sent (docs/api.md).
    pc.addEventListener('dtmf', function (e) {
      $('tones').textContent += e.tone;
      callUi.addLog('the other tab pressed ' + e.tone + ' (' + e.duration + ' ms)');
    });
  };

  $('start').addEventListener('click', function () {
    start();
  });

  signalingChannel.addEventListener('open', function () {
    if (!pc) callUi.setStatus('ready', 'In the room. Press Call here, or in the other tab');
  });
  callUi.setStatus('waiting', 'Joining the room…');
})();
