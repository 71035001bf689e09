// window.showModalDialog for Chromium, which removed it in version 43 (see docs/FLOWS.md,
// "Modal dialogs"). Installed by the bots in every frame before the page's own scripts.
//
// A modal dialog blocks its caller until it closes; a script cannot block. So the first
// call opens the dialog as an ordinary window (a popup the flow drives like any other),
// hands it dialogArguments, stops the caller with an exception, and — when the dialog
// closes — runs the caller again: the event that called it is dispatched again (else the
// calling function is called again with its arguments), and this time showModalDialog
// returns the dialog's returnValue at once. The caller's code before the call runs twice;
// the code after it runs once, with the value (niutech/showModalDialog's eval fallback
// re-ran the statements after the call instead).
(function () {
  var KEY = "__botsModal";
  var NAME = "__botsModalDialog";
  if (window[KEY]) { return; }
  var state = { calls: {}, ready: null, seq: 0 };
  Object.defineProperty(window, KEY, { value: state });

  // ---- in a dialog window: dialogArguments in, returnValue out ------------------
  var call = null;
  try {
    if (window.opener && String(window.name).indexOf(NAME) === 0 && window.opener[KEY]) {
      call = window.opener[KEY].calls[window.name] || null;
    }
  } catch (e) {
    call = null;  // an opener of another origin: not a dialog of ours
  }
  if (call) {
    Object.defineProperty(window, "dialogArguments", {
      get: function () { return call.args; }, configurable: true });
    Object.defineProperty(window, "returnValue", {
      get: function () { return call.value; },
      set: function (value) { call.value = value; }, configurable: true });
    var closeWindow = window.close.bind(window);
    window.close = function () { call.finish(); closeWindow(); };
  }

  // ---- in a caller --------------------------------------------------------------
  function features(text) {
    var size = {};
    String(text || "").split(";").forEach(function (part) {
      var pair = part.split(":");
      if (pair.length === 2) { size[pair[0].trim().toLowerCase()] = parseInt(pair[1], 10); }
    });
    var out = ["scrollbars=yes", "resizable=yes"];
    if (size.dialogwidth) { out.push("width=" + size.dialogwidth); }
    if (size.dialogheight) { out.push("height=" + size.dialogheight); }
    return out.join(",");
  }

  function rerun(event, caller, args) {
    try {
      if (event && event.target && event.target.isConnected) {
        event.target.dispatchEvent(new event.constructor(event.type, event));
      } else if (caller) {
        caller.apply(window, args);
      }
    } catch (error) {
      setTimeout(function () { throw error; });
    } finally {
      state.ready = null;  // a value the re-run did not take is not kept for a later call
    }
  }

  window.showModalDialog = function showModalDialog(url, args, options) {
    var ready = state.ready;
    if (ready && ready.url === String(url)) {
      state.ready = null;
      return ready.value;
    }
    var event = window.event;
    if (event && event.cancelable) {
      event.preventDefault();  // the default action comes with the re-run, as after a dialog
    }
    var caller = showModalDialog.caller;  // known for non-strict callers only
    var callerArgs = caller && caller.arguments ? Array.prototype.slice.call(caller.arguments) : [];
    state.seq += 1;
    var name = NAME + state.seq;
    var record = { url: String(url), args: args, value: undefined, done: false };
    record.finish = function () {
      if (record.done) { return; }
      record.done = true;
      delete state.calls[name];
      state.ready = { url: record.url, value: record.value };
      rerun(event, caller, callerArgs);
    };
    state.calls[name] = record;
    var dialog = window.open(url, name, features(options));
    // closed without window.close() (its own X, a crash): the caller gets undefined
    var timer = setInterval(function () {
      if (!dialog || dialog.closed) { clearInterval(timer); record.finish(); }
    }, 200);
    throw new Error("showModalDialog: the dialog opened as a window; its caller runs " +
                    "again with the returnValue when it closes");
  };
})();
