// The chat page around spec example 10.3 (example-10-3.js, verbatim). This file runs before
// the example and supplies what the example leaves to the page: enableChat,
// showChatMessage and log. The room comes from room.js, loaded before it.
/* exported enableChat, showChatMessage, log, chatUi */
'use strict';

var chatUi = (function () {
  function $(id) { return document.getElementById(id); }

  function time() {
    return new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  // One message bubble; `who` is 'me', 'them' or 'system'. Text only, never HTML.
  function addMessage(who, text) {
    var list = $('messages');
    var empty = $('empty');
    if (empty) empty.remove();
    var item = document.createElement('li');
    item.className = 'msg ' + who;
    var body = document.createElement('span');
    body.className = 'body';
    body.textContent = text;
    item.appendChild(body);
    if (who !== 'system') {
      var meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent = (who === 'me' ? 'you' : 'peer') + ' · ' + time();
      item.appendChild(meta);
    }
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function setStatus(state, text) {
    document.body.dataset.chat = state;
    $('status-text').textContent = text;
  }

  function addLog(text) {
    var line = document.createElement('li');
    line.textContent = time() + '  ' + text;
    $('log').appendChild(line);
  }

  return { $: $, addMessage: addMessage, setStatus: setStatus, addLog: addLog };
})();

// ---- what example 10.3 expects the page to define ----

// "e.g. enable send button": the channel is open.
function enableChat(channel) {
  chatUi.$('message').disabled = false;
  chatUi.$('send').disabled = false;
  chatUi.$('start').disabled = true;
  chatUi.$('message').focus();
  chatUi.setStatus('open', 'Connected: channel "' + channel.label + '" is open');
  chatUi.addMessage('system', 'You are connected. Say hello.');
}

function showChatMessage(msg) {
  chatUi.addMessage('them', msg);
}

function log(msg) {
  chatUi.addLog(msg);
  chatUi.setStatus('error', msg);
}
