# Sourced by the client tests: start_keepdav ROOT [OPTIONS...] starts the built keepdav on
# 127.0.0.1 and a port the system picks, sets KEEPDAV_URL and KEEPDAV_PID, and stops the server
# (by its PID) when the test exits.
: "${KEEPDAV_BIN:?KEEPDAV_BIN must point at the keepdav binary}"

start_keepdav() {
    local root=$1; shift
    KEEPDAV_LOG=$(mktemp)
    KEEPDAV_OUT=$(mktemp -u)
    mkfifo "$KEEPDAV_OUT"
    "$KEEPDAV_BIN" --root "$root" --listen 127.0.0.1:0 "$@" >"$KEEPDAV_OUT" 2>"$KEEPDAV_LOG" &
    KEEPDAV_PID=$!
    trap stop_keepdav EXIT
    local line
    # The server prints "listening on HOST:PORT" once bound; nothing else tells the port.
    if ! read -r -t 10 line <"$KEEPDAV_OUT"; then
        echo "keepdav did not start:"; cat "$KEEPDAV_LOG"; exit 1
    fi
    rm -f "$KEEPDAV_OUT"
    KEEPDAV_URL="http://${line#listening on }"
}

stop_keepdav() {
    if [ -n "${KEEPDAV_PID:-}" ] && kill -0 "$KEEPDAV_PID" 2>/dev/null; then
        kill -TERM "$KEEPDAV_PID"; wait "$KEEPDAV_PID" 2>/dev/null
    fi
    KEEPDAV_PID=
}
