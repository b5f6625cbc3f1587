#!/bin/sh
# Opens report.html of the fixture campaign in headless Chromium and takes
# screenshots: the page loads from a file with no network, every embedded
# chart decodes, the summary is the first section (its table before any
# chart) and the charts come next, the best configurations' labels are
# drawn beside their points, and the screenshots of the page and of its
# top are non-trivial PNGs. Keep them with SC_KEEP_SHOT=PATH and
# SC_KEEP_TOP=PATH to look at them.
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

# A page script reports, in the DOM, how many images decoded to a real size,
# the order of the sections, and whether the summary's table comes before
# the first chart.
cp "$C/report.html" "$TMP/probe.html"
cat >>"$TMP/probe.html" <<'JS'
<script>
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++)
    if (imgs[i].complete && imgs[i].naturalWidth >= 1000) ok++;
  var h2 = document.getElementsByTagName('h2'), names = [];
  for (var i = 0; i < h2.length; i++) names.push(h2[i].textContent);
  var t = document.getElementsByTagName('table')[0];
  var before = t && imgs.length &&
    (t.compareDocumentPosition(imgs[0]) & Node.DOCUMENT_POSITION_FOLLOWING);
  var p = document.createElement('p');
  p.id = 'probe';
  p.textContent = 'IMAGES ' + ok + ' OF ' + imgs.length +
    ' SECTIONS ' + names.join('|') +
    ' SUMMARY-TABLE-BEFORE-CHARTS ' + (before ? 'yes' : 'no');
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
expect_grep "$TMP/dom" "SECTIONS Summary|Charts|" "the summary is the first section, the charts next"
expect_grep "$TMP/dom" "SUMMARY-TABLE-BEFORE-CHARTS yes" "the summary's table comes before the first chart"

# The best configurations' labels sit beside their points, not on them:
# every Pareto chart draws them with an offset from the point (test_plot
# checks the same on its golden files; this is the report as shipped).
n=0
for gp in "$C"/plots/pareto-*.gp; do
	[ -f "$gp" ] || continue
	n=$((n + 1))
	grep -q "with labels left offset character" "$gp" && pass ||
		fail "$(basename "$gp"): best labels not offset from their points"
	grep -q "with labels center\|with labels offset 0,0" "$gp" &&
		fail "$(basename "$gp"): a label drawn centred on its point" || pass
done
[ "$n" -gt 0 ] && pass || fail "no Pareto chart script in $C/plots"

# The whole page, and the top of it as a reader first sees it (keep them
# with SC_KEEP_SHOT=PATH and SC_KEEP_TOP=PATH to look at them).
shot="$TMP/shot.png" top="$TMP/top.png"
chrome --window-size=1280,2400 --screenshot="$shot" "file://$C/report.html" >/dev/null 2>"$TMP/chrome.err"
chrome --window-size=1280,1000 --screenshot="$top" "file://$C/report.html" >/dev/null 2>>"$TMP/chrome.err"
for f in "$shot" "$top"; do
	if [ -s "$f" ] && [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; then
		pass
	else
		fail "no screenshot $f: $(tail -c 400 "$TMP/chrome.err")"
	fi
done
# A blank page compresses to a few KiB; charts and tables do not.
sz=$(wc -c <"$shot" 2>/dev/null || echo 0)
[ "$sz" -gt 100000 ] && pass || fail "screenshot only $sz bytes: page looks blank"
sz=$(wc -c <"$top" 2>/dev/null || echo 0)
[ "$sz" -gt 30000 ] && pass || fail "top screenshot only $sz bytes: page looks blank"
[ -n "${SC_KEEP_SHOT:-}" ] && [ -s "$shot" ] && cp "$shot" "$SC_KEEP_SHOT"
[ -n "${SC_KEEP_TOP:-}" ] && [ -s "$top" ] && cp "$top" "$SC_KEEP_TOP"
finish
