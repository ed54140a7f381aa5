// The editorial console's only script: keyboard shortcuts. Any element with data-key="x" is clicked when
// the key x is pressed outside a text field ("/" puts the cursor in the "test a text" box). The pages work
// without it: every shortcut is also a button or a link.
document.addEventListener("keydown", function (ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  var t = ev.target;
  var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
  if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) return;
  if (ev.key === "/") {
    var box = document.getElementById("test-text");
    if (box) { ev.preventDefault(); box.focus(); }
    return;
  }
  var el = document.querySelector('[data-key="' + ev.key.replace(/["\\]/g, "") + '"]');
  if (el) { ev.preventDefault(); el.click(); }
});
