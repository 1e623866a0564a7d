// mentorat: the chat's few behaviours beyond htmx (no inline script: the pages' CSP forbids it).
(function () {
  "use strict";
  function messages() { return document.getElementById("messages"); }
  function toBottom() { var list = messages(); if (list) list.scrollTop = list.scrollHeight; }
  // A message can arrive twice (a poll and a post racing): keep the first copy.
  function dedupe() {
    var seen = {};
    var list = messages();
    if (!list) return;
    Array.prototype.forEach.call(list.querySelectorAll("li.msg"), function (li) {
      if (seen[li.id]) li.remove(); else seen[li.id] = true;
    });
  }
  document.addEventListener("DOMContentLoaded", toBottom);
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "messages") {
      dedupe();
      var empty = document.getElementById("no-messages");
      if (empty) empty.remove();
      toBottom();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "post-form" && event.detail.successful) {
      form.reset();
      var poll = document.getElementById("poll");
      if (poll && window.htmx) window.htmx.trigger(poll, "refresh");
    }
  });
  // Live chat: a chat page that names an event stream asks for its new messages as soon as the
  // stream says one was posted, and reloads its side panel (progress, goals) when a goal or the
  // mentoring changed. The poller's own slow timer stays as a safety net.
  document.addEventListener("DOMContentLoaded", function () {
    var chat = document.getElementById("chat");
    var url = chat && chat.getAttribute("data-events");
    if (!url || !window.EventSource || !window.htmx) return;
    var source = new EventSource(url);
    source.addEventListener("message", function () {
      var poll = document.getElementById("poll");
      if (poll) window.htmx.trigger(poll, "refresh");
    });
    source.addEventListener("changed", function () {
      if (!document.getElementById("side")) return;
      window.htmx.ajax("GET", window.location.pathname, {
        target: "#side", select: "#side", swap: "outerHTML"
      });
    });
    window.addEventListener("pagehide", function () { source.close(); });
  });
  // Enter sends, Shift+Enter makes a new line.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (box && box.id === "f-message" && event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      if (box.value.trim()) box.form.requestSubmit();
    }
  });
})();
