#!/usr/bin/env bash
# A person's browser on the share: headless Chromium loads the HTML index of a tree with odd names at a
# phone width and a desktop width (screenshots kept in ARTIFACTS, the first argument), and its DOM
# shows every entry literally, the parent link and the sort links; HEAD, the headers, and RFC 4709's
# ?davmount with curl.
set -u
. "$(dirname "$0")/spawn_server.sh"
command -v chromium >/dev/null || { echo "FAIL: chromium is not installed (apt-get install chromium)"; exit 1; }
artifacts=${1:?usage: browser.sh ARTIFACT_DIR}
mkdir -p "$artifacts"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
work=$(mktemp -d -t keepdav-browser.XXXXXX); trap 'keepdav_cleanup; rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/share/sub dir" "$root/share/ünï€ode dir"
# No name can hold '/', and keepdav refuses a backslash in a path (README, Data safety): the rest is fair game.
names=('a b.txt' 'ünï€ode ✓.txt' '<script>alert(1)<.txt' '<img src=x onerror=alert(2)>' 'Tom & Jerry.txt'
       '100% done.txt' '%41%2F.txt' $'"quoted" \'single\'.txt' '#hash?query.txt' 'javascript:alert(3)')
for n in "${names[@]}"; do printf 'x' >"$root/share/$n"; done
head -c 3000000 /dev/zero >"$root/share/big.bin"
touch -d '2001-02-03 04:05:06 UTC' "$root/share/a b.txt"
start_keepdav "$root" --state-dir none

chrome() { timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"; }
url="$KEEPDAV_URL/share/?sort=name&order=asc"
chrome --window-size=390,844 --screenshot="$artifacts/index-phone.png" "$url" >/dev/null || fail "chromium screenshot (phone)"
chrome --window-size=1280,800 --screenshot="$artifacts/index-desktop.png" "$url" >/dev/null || fail "chromium screenshot (desktop)"
for shot in index-phone index-desktop; do
    [ -s "$artifacts/$shot.png" ] || fail "no screenshot $shot.png"
done
chrome --dump-dom "$url" >"$artifacts/index-dom.html" || fail "chromium --dump-dom"

# The DOM as Chromium built it: each link's text and its decoded href; the names must come back
# literally (nothing ran, nothing was taken for markup) and each href must lead to its own name.
python3 - "$artifacts/index-dom.html" "$KEEPDAV_URL" "$root/share" <<'PY' || fail "the DOM is not what was served"
import html.parser, os, sys, urllib.parse, urllib.request
dom, base, share = sys.argv[1], sys.argv[2], sys.argv[3]
class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.links = []; self.href = None; self.text = ""; self.scripts = 0; self.imgs = 0
    def handle_starttag(self, tag, attrs):
        if tag == "script": self.scripts += 1
        if tag == "img": self.imgs += 1
        if tag == "a": self.href = dict(attrs).get("href"); self.text = ""
    def handle_data(self, data):
        if self.href is not None: self.text += data
    def handle_endtag(self, tag):
        if tag == "a" and self.href is not None: self.links.append((self.href, self.text)); self.href = None
p = Links(); p.feed(open(dom, encoding="utf-8").read())
assert p.scripts == 0 and p.imgs == 0, f"markup from a name was taken as markup: {p.scripts} script, {p.imgs} img"
by_text = {t: h for h, t in p.links}
expected = sorted(os.listdir(share))
for name in expected:
    shown = name + "/" if os.path.isdir(os.path.join(share, name)) else name
    assert shown in by_text, f"entry {shown!r} missing; links: {p.links}"
    href = by_text[shown]
    assert urllib.parse.unquote(href) == "/share/" + shown, f"{shown!r} links to {href!r}"
    if not shown.endswith("/"):  # the href leads to the file itself
        with urllib.request.urlopen(base + href) as r: assert r.read() == (b"x" if name != "big.bin" else b"\0" * 3000000)
parent = [h for h, t in p.links if "Parent directory" in t]
assert parent == ["/"], f"parent link: {parent}"
sorts = [h for h, _ in p.links if "?sort=" in h]
assert sorted(sorts) == ["/share/?sort=date&order=asc", "/share/?sort=name&order=desc", "/share/?sort=size&order=asc"], sorts
rows = [t for h, t in p.links if h.startswith("/share/") and "?" not in h]
assert rows[:2] == ["sub dir/", "ünï€ode dir/"], f"collections first: {rows}"
print(f"DOM: {len(expected)} entries, parent link, 3 sort links, names literal")
PY

# Sorting by size, largest first: the collections, then big.bin.
curl -s "$KEEPDAV_URL/share/?sort=size&order=desc" | grep -o 'href="/share/[^"?]*"' | sed -n 3p | grep -q 'big.bin' \
    || fail "?sort=size&order=desc does not put big.bin first among files"
# By date, oldest first: a b.txt (2001) is the first file.
curl -s "$KEEPDAV_URL/share/?sort=date&order=asc" | grep -o 'href="/share/[^"?]*"' | sed -n 3p | grep -q 'a%20b.txt' \
    || fail "?sort=date&order=asc does not put the 2001 file first"
curl -s "$KEEPDAV_URL/share/" | grep -q '2001-02-03' || fail "the modification date is not shown"
curl -s "$KEEPDAV_URL/share/" | grep -q '2.9 MiB' || fail "the size is not human-readable"

headers=$(curl -s -D - -o /dev/null "$KEEPDAV_URL/share/")
grep -qi "^Content-Security-Policy: default-src 'none'; style-src 'sha256-" <<<"$headers" || fail "no strict CSP: $headers"
grep -qi '^Content-Type: text/html; charset=utf-8' <<<"$headers" || fail "Content-Type: $headers"
head_reply=$(curl -s -I "$KEEPDAV_URL/share/")
grep -q '^HTTP/1.1 200' <<<"$head_reply" || fail "HEAD of a collection: $head_reply"
grep -qi '^Content-Length: 0' <<<"$head_reply" && fail "HEAD of a collection claims an empty body"
grep -qi '^Content-Security-Policy' <<<"$head_reply" || fail "HEAD lacks the GET's headers"

# RFC 4709: ?davmount names the collection to mount; on a file, its collection and dm:open.
mount=$(curl -s -D "$work/mount.h" "$KEEPDAV_URL/share/sub%20dir/?davmount")
grep -qi '^Content-Type: application/davmount+xml' "$work/mount.h" || fail "davmount media type: $(cat "$work/mount.h")"
python3 - "$KEEPDAV_URL" "$mount" <<'PY' || fail "davmount document: $mount"
import sys, xml.etree.ElementTree as ET
base, doc = sys.argv[1], sys.argv[2]
ns = "{http://purl.org/NET/webdav/mount}"
root = ET.fromstring(doc)
assert root.tag == ns + "mount", root.tag
assert root.find(ns + "url").text == base + "/share/sub%20dir/", root.find(ns + "url").text
assert root.find(ns + "open") is None
PY
mount=$(curl -s "$KEEPDAV_URL/share/Tom%20%26%20Jerry.txt?davmount")
grep -q "<dm:url>$KEEPDAV_URL/share/</dm:url>" <<<"$mount" && grep -q '<dm:open>Tom &amp; Jerry.txt</dm:open>' <<<"$mount" \
    || fail "davmount of a file: $mount"
echo "browser: all checks passed (screenshots in $artifacts)"
