// Legacy mode's scripts, loaded after portal.js: what a portal of IE6's time did.
// The pickers are modal dialogs (window.showModalDialog): the caller waits until the
// dialog closes and reads its returnValue. The portal ships no polyfill — a browser without
// showModalDialog (Chromium since version 43) cannot pick at all.

function openPopup(url, name) {
  var picked = window.showModalDialog(url, { caller: name, opener: window },
    "dialogWidth:760px;dialogHeight:560px;status:no;help:no;scroll:yes");
  if (!picked) { return false; }
  for (var field in picked) {
    var el = document.getElementsByName(field)[0];
    if (el) { el.value = picked[field]; el.dispatchEvent(new Event("change", { bubbles: true })); }
  }
  return false;
}

// In a dialog: hand the choice back to the caller and close. A dialog opened otherwise
// (no dialogArguments) refuses, as those pages did.
function pickBack(fields) {
  if (!window.dialogArguments) {
    alert("请从业务受理页面打开此窗口");
    return;
  }
  window.returnValue = fields;
  window.close();
}

function closeNotice(button) {
  var box = button;
  while (box && !/\bnotice-box\b/.test(box.className || "")) { box = box.parentNode; }
  if (box) { box.parentNode.removeChild(box); }
}

// The menu frame opens a screen as a tab of the work frame.
function openWork(title, url) {
  parent.frames["mainFrame"].openTab(title, url);
  return false;
}

// The work frame: a tab strip, one iframe per tab. Opening a screen whose tab is open
// shows that tab and loads the screen again (a fresh start of the wizard).
var tabCount = 0;

function openTab(title, url) {
  var strip = document.querySelector(".tab-strip");
  var tabs = strip.getElementsByTagName("span");
  for (var i = 0; i < tabs.length; i++) {
    if (tabs[i].getAttribute("data-title") === title) {
      var name = tabs[i].getAttribute("data-frame");
      showTab(name);
      document.getElementsByName(name)[0].src = url;
      return;
    }
  }
  tabCount += 1;
  var frameName = "tab_" + tabCount;
  var tab = document.createElement("span");
  tab.className = "tab";
  tab.setAttribute("data-title", title);
  tab.setAttribute("data-frame", frameName);
  tab.innerHTML = "<span class=\"tab-title\"></span> <a href=\"javascript:void(0)\" class=\"tab-close\">×</a>";
  tab.firstChild.appendChild(document.createTextNode(title));
  tab.onclick = function () { showTab(frameName); };
  tab.lastChild.onclick = function (e) { e.stopPropagation(); closeTab(frameName); };
  strip.appendChild(tab);
  var frame = document.createElement("iframe");
  frame.className = "work-tab";
  frame.name = frameName;
  frame.setAttribute("frameborder", "0");
  frame.src = url;
  document.querySelector(".tab-frames").appendChild(frame);
  showTab(frameName);
}

function showTab(frameName) {
  var tabs = document.querySelector(".tab-strip").getElementsByTagName("span");
  for (var i = 0; i < tabs.length; i++) {
    if (tabs[i].getAttribute("data-frame")) {
      tabs[i].className = tabs[i].getAttribute("data-frame") === frameName ? "tab current" : "tab";
    }
  }
  var frames = document.querySelectorAll("iframe.work-tab");
  for (var j = 0; j < frames.length; j++) {
    frames[j].style.display = frames[j].name === frameName ? "" : "none";
  }
}

function closeTab(frameName) {
  var tab = document.querySelector('.tab-strip [data-frame="' + frameName + '"]');
  var frame = document.getElementsByName(frameName)[0];
  if (tab) { tab.parentNode.removeChild(tab); }
  if (frame) { frame.parentNode.removeChild(frame); }
  showTab("tab_0");
}
