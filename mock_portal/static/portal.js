// The few scripts of the mock portal. Elements are found by name or class, never by id:
// with the random-ids habit every id changes on each page load.

function openPopup(url, name) {
  window.open(url, name, "width=760,height=560,scrollbars=yes");
  return false;
}

// In a popup: write values into the opener's fields (by name) and close.
function pickBack(fields) {
  var doc = window.opener && window.opener.document;
  if (doc) {
    Object.keys(fields).forEach(function (n) {
      var el = doc.querySelector('[name="' + n + '"]');
      if (el) { el.value = fields[n]; el.dispatchEvent(new Event("change", { bubbles: true })); }
    });
  }
  // Close a moment later, as the real popups do after their own bookkeeping; closing
  // inside the click handler makes automation tools lose the click's target.
  setTimeout(function () { window.close(); }, 150);
}

function closeModal(button) {
  var overlay = button.closest(".overlay");
  if (overlay) { overlay.remove(); }
}

function showMessage(text, isError) {
  var box = document.querySelector(".msgbox");
  if (!box) { return; }
  box.innerHTML = "";
  var div = document.createElement("div");
  div.className = isError ? "error" : "msg";
  div.setAttribute("role", isError ? "alert" : "status");
  div.textContent = text;
  box.appendChild(div);
}

// GET a JSON endpoint the way the portal's own scripts do; null when it failed.
async function ajax(url) {
  var resp = await fetch(url, { headers: { "X-Requested-With": "XMLHttpRequest" } });
  var data = await resp.json();
  if (data.login) { window.location.href = data.login; return null; }
  if (data.error) { showMessage(data.error, true); return null; }
  return data;
}

async function loadPlans(brandSelect, url) {
  var plan = document.querySelector('select[name="plan"]');
  plan.innerHTML = '<option value="">--请选择--</option>';
  if (!brandSelect.value) { return; }
  var data = await ajax(url + "?brand=" + encodeURIComponent(brandSelect.value));
  if (!data) { return; }
  data.plans.forEach(function (p) {
    var o = document.createElement("option"); o.value = p; o.textContent = p; plan.appendChild(o);
  });
}

async function checkCard(url) {
  var iccid = document.querySelector('[name="uim"]').value;
  var data = await ajax(url + "?iccid=" + encodeURIComponent(iccid));
  if (data) { showMessage(data.message, false); }
}

function addPrepaid(button) {
  var row = document.querySelector(".prepaid-row");
  if (row) { row.hidden = false; }
  button.disabled = true;
}

function addDevice(button) {
  var row = document.querySelector(".device-form");
  if (row) { row.hidden = false; }
  button.disabled = true;
}

async function queryPromotions(url) {
  var brand = document.querySelector('[name="brand"]').value;
  var data = await ajax(url + "?brand=" + encodeURIComponent(brand));
  if (!data) { return; }
  var body = document.querySelector(".promotions tbody");
  body.innerHTML = "";
  if (!data.promotions.length) {
    body.innerHTML = '<tr><td colspan="3" class="hint">没有查询到数据</td></tr>';
    return;
  }
  data.promotions.forEach(function (p) {
    var tr = document.createElement("tr");
    tr.innerHTML = "<td></td><td></td><td></td>";
    tr.children[0].textContent = p.name; tr.children[1].textContent = p.desc;
    tr.children[2].textContent = p.fee;
    body.appendChild(tr);
  });
}
