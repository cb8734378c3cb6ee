// Runs after example 10.3 (example-10-3.js): wires the page to the example without touching
// it. The Start button calls start(true) ("call start(true) to initiate"); the other tab's
// example calls start(false) itself when the offer arrives. Sending goes through the
// example's sendChatMessage.
/* global chatUi, demoRoom, start: writable, pc, channel, sendChatMessage, signalingChannel */
'use strict';

(function () {
  var $ = chatUi.$;
  demoRoom.show($, signalingChannel.room);

  // Follows the connection the example makes, to show its state. `start` is the example's
  // global function; wrapping it keeps the example's own text as it is.
  var exampleStart = start;
  start = function (isInitiator) {
    exampleStart(isInitiator);
    $('start').disabled = true;
    chatUi.setStatus('connecting', isInitiator ? 'Calling: offer sent, waiting for the other tab' : 'Answering the other tab');
    chatUi.addLog('start(' + isInitiator + ')');
    ['signalingState', 'iceConnectionState', 'connectionState'].forEach(function (name) {
      var type = name.toLowerCase().replace('state', 'statechange');
      pc.addEventListener(type, function () {
        chatUi.addLog(name + ' ' + pc[name]);
        if (name === 'connectionState') {
          $('connection').textContent = pc.connectionState;
          if (pc.connectionState === 'failed' || pc.connectionState === 'disconnected') {
            chatUi.setStatus('error', 'Connection ' + pc.connectionState);
          }
        }
      });
    });
    pc.addEventListener('datachannel', function (evt) { watchChannel(evt.channel); });
    if (isInitiator) watchChannel(channel);
  };

  function watchChannel(dc) {
    dc.addEventListener('close', function () {
      $('message').disabled = true;
      $('send').disabled = true;
      chatUi.setStatus('closed', 'The other tab left; reload both to chat again');
      chatUi.addMessage('system', 'The channel closed.');
    });
  }

  $('start').addEventListener('click', function () {
    start(true);
  });

  $('composer').addEventListener('submit', function (event) {
    event.preventDefault();
    var text = $('message').value;
    if (!text.trim()) return;
    try {
      sendChatMessage(text);
    } catch (error) {
      log(error.name + ': ' + error.message);
      return;
    }
    chatUi.addMessage('me', text);
    $('message').value = '';
  });

  signalingChannel.addEventListener('open', function () {
    if (!pc) chatUi.setStatus('ready', 'In the room. Press Start here, or in the other tab');
  });
  chatUi.setStatus('waiting', 'Joining the room…');
})();
