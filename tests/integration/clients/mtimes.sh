#!/usr/bin/env bash
# Modification times clients set: rclone's webdav backend with vendor owncloud sends X-OC-Mtime on
# PUT, so files copied up keep their dates (rclone lsl, PROPFIND getlastmodified and the disk agree);
# with vendor other it cannot, and the dates are the upload's. Then Windows' redirector's PROPPATCH of
# Win32LastModifiedTime, sent over a socket as Windows sends it, followed by a PROPFIND.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -30 "$KEEPDAV_LOG"; exit 1; }
command -v rclone >/dev/null || fail "rclone is not installed (apt-get install rclone)"
root=$(mktemp -d -t keepdav-mtimes.XXXXXX); src=$(mktemp -d -t keepdav-mtimes.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root" "$src"' EXIT
start_keepdav "$root" --state-dir none
export RCLONE_CONFIG=/dev/null
mkdir -p "$src/photos 2001"
echo one >"$src/photos 2001/ü one.jpg"; touch -d '2001-02-03 04:05:06 UTC' "$src/photos 2001/ü one.jpg"
echo two >"$src/two.txt";               touch -d '1999-12-31 23:59:58 UTC' "$src/two.txt"

rclone copy "$src" ":webdav,url='$KEEPDAV_URL/',vendor=owncloud:up" 2>&1 || fail "rclone copy (owncloud)"
grep -q 'PUT /up/two.txt' "$KEEPDAV_LOG" || fail "rclone did not PUT"
[ "$(stat -c %Y "$root/up/two.txt")" = 946684798 ] || fail "two.txt on disk: $(stat -c %y "$root/up/two.txt")"
[ "$(stat -c %Y "$root/up/photos 2001/ü one.jpg")" = 981173106 ] || fail "ü one.jpg on disk: $(stat -c %y "$root/up/photos 2001/ü one.jpg")"
listing=$(rclone lsl ":webdav,url='$KEEPDAV_URL/',vendor=owncloud:up" 2>&1) || fail "rclone lsl: $listing"
echo "$listing"
grep -q '2001-02-03 04:05:06.000000000 photos 2001/ü one.jpg' <<<"$(TZ=UTC rclone lsl ":webdav,url='$KEEPDAV_URL/',vendor=owncloud:up" 2>&1)" \
    || fail "rclone lsl does not show 2001-02-03 04:05:06 for ü one.jpg: $listing"
TZ=UTC rclone lsl ":webdav,url='$KEEPDAV_URL/',vendor=owncloud:up" 2>&1 | grep -q '1999-12-31 23:59:58.000000000 two.txt' \
    || fail "rclone lsl does not show 1999-12-31 23:59:58 for two.txt"
rclone check "$src" ":webdav,url='$KEEPDAV_URL/',vendor=owncloud:up" 2>&1 || fail "rclone check"
# Nothing left to copy: rclone compares size and date and finds them equal.
out=$(rclone copy -v "$src" ":webdav,url='$KEEPDAV_URL/',vendor=owncloud:up" 2>&1) || fail "rclone copy again: $out"
grep -q 'Copied' <<<"$out" && fail "rclone copied again, so the dates did not stick: $out"
propfind=$(curl -s -X PROPFIND -H 'Depth: 0' "$KEEPDAV_URL/up/two.txt")
grep -q '<D:getlastmodified>Fri, 31 Dec 1999 23:59:58 GMT</D:getlastmodified>' <<<"$propfind" || fail "PROPFIND: $propfind"
# Without the vendor, rclone sends no X-OC-Mtime, and the file has the upload's date.
rclone copy "$src/two.txt" ":webdav,url='$KEEPDAV_URL/',vendor=other:plain" 2>&1 || fail "rclone copy (other)"
(( $(stat -c %Y "$root/plain/two.txt") > 946684798 )) || fail "vendor other kept a date it did not send"

# Windows' redirector after it wrote a file (the request Explorer sends, as quoted in copyparty issue
# 910): PROPPATCH of the Win32 properties in urn:schemas-microsoft-com:, every one answered 200.
echo x >"$root/word.docx"
body='<?xml version="1.0" encoding="utf-8" ?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop><Z:Win32CreationTime>Sat, 03 Feb 2001 04:05:06 GMT</Z:Win32CreationTime><Z:Win32LastAccessTime>Mon, 05 Feb 2001 10:00:00 GMT</Z:Win32LastAccessTime><Z:Win32LastModifiedTime>Sun, 04 Feb 2001 08:09:10 GMT</Z:Win32LastModifiedTime><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes></D:prop></D:set></D:propertyupdate>'
reply=$(curl -s -w '\n%{http_code}' -X PROPPATCH -A 'Microsoft-WebDAV-MiniRedir/10.0.19045' \
    -H 'Content-Type: text/xml; charset="utf-8"' --data-binary "$body" "$KEEPDAV_URL/word.docx")
[ "$(tail -1 <<<"$reply")" = 207 ] || fail "PROPPATCH: $reply"
grep -q 'HTTP/1.1 200 OK' <<<"$reply" && ! grep -q 'HTTP/1.1 4' <<<"$reply" || fail "PROPPATCH statuses: $reply"
[ "$(stat -c %Y "$root/word.docx")" = 981274150 ] || fail "word.docx mtime: $(stat -c %y "$root/word.docx")"
propfind=$(curl -s -X PROPFIND -H 'Depth: 0' "$KEEPDAV_URL/word.docx")
grep -q '<D:getlastmodified>Sun, 04 Feb 2001 08:09:10 GMT</D:getlastmodified>' <<<"$propfind" || fail "PROPFIND after PROPPATCH: $propfind"
echo "mtimes: all checks passed"
