#!/bin/sh
# Opens report.html of the fixture campaign in headless Chromium and takes a
# screenshot: the page loads from a file with no network, its embedded
# charts decode, and the screenshot is a non-trivial PNG. Keep the
# screenshot with SC_KEEP_SHOT=PATH to look at it.
# Skips (exit 77) when chromium or gnuplot is not installed
# (Debian: apt-get install chromium gnuplot-nox).
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"

CHROMIUM=""
for b in chromium chromium-browser google-chrome; do
	command -v "$b" >/dev/null 2>&1 && { CHROMIUM=$b; break; }
done
[ -n "$CHROMIUM" ] || { echo "SKIP: chromium not installed (apt-get install chromium)"; exit 77; }
command -v gnuplot >/dev/null 2>&1 || { echo "SKIP: gnuplot not installed"; exit 77; }

C="$TMP/campaign"
cp -R "$SC_SRCDIR/tests/fixtures/campaign" "$C" && chmod -R u+w "$C"
expect_rc 0 "report" -- "$SERVECAL" report "$C"

# A page script reports, in the DOM, how many images decoded to a real size.
cp "$C/report.html" "$TMP/probe.html"
cat >>"$TMP/probe.html" <<'JS'
<script>
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++)
    if (imgs[i].complete && imgs[i].naturalWidth >= 1000) ok++;
  var p = document.createElement('p');
  p.id = 'probe';
  p.textContent = 'IMAGES ' + ok + ' OF ' + imgs.length;
  document.body.appendChild(p);
});
</script>
JS
chrome() {
	ud=$(mktemp -d "$TMP/chrome.XXXXXX")
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$ud" "$@"
}
chrome --virtual-time-budget=5000 --dump-dom "file://$TMP/probe.html" >"$TMP/dom" 2>"$TMP/chrome.err"
expect_grep "$TMP/dom" "IMAGES 11 OF 11" "all 11 embedded charts decode in Chromium"
expect_grep "$TMP/dom" "servecal report: fixture-qwen3-32b-h200" "page title rendered"

shot="$TMP/shot.png"
chrome --window-size=1280,2400 --screenshot="$shot" "file://$C/report.html" >/dev/null 2>"$TMP/chrome.err"
if [ -s "$shot" ] && [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
	pass
	# A blank page compresses to a few KiB; charts and tables do not.
	sz=$(wc -c <"$shot")
	[ "$sz" -gt 100000 ] && pass || fail "screenshot only $sz bytes: page looks blank"
	[ -n "${SC_KEEP_SHOT:-}" ] && cp "$shot" "$SC_KEEP_SHOT"
else
	fail "no screenshot: $(tail -c 400 "$TMP/chrome.err")"
fi
finish
