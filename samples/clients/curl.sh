#!/usr/bin/env bash
# curl parses 102 Processing and waits for the final response; -v shows each interim status line.
#   samples/clients/curl.sh http://127.0.0.1:8080/README.txt [SECONDS]     (keepdav --test-hooks)
set -euo pipefail
url=${1:-http://127.0.0.1:8080/README.txt}
curl -sS -v -o /dev/null -w 'final: %{http_code} after %{time_total}s\n' \
    -H "Keepdav-Delay: ${2:-5}" -H 'Keepdav-Interim-Interval: 1' -H 'Keepdav-Interim-Status-URI: on' "$url" 2>&1 |
    grep -iE '^< HTTP/|^< Status-URI|^final'
