# Sourced by the client tests.
#   start_keepdav ROOT [OPTIONS...]  starts the built keepdav on 127.0.0.1 and a port the system picks,
#                                    once it prints "listening on"; sets KEEPDAV_URL, KEEPDAV_PID and
#                                    KEEPDAV_LOG (its stderr)
#   stop_keepdav                     SIGTERM, then waits until the server has exited
#   keepdav_cleanup                  stop_keepdav, then removes the logs: a test's EXIT trap calls it
#                                    (start_keepdav installs it as the trap when the test set none)
#   wait_until SECONDS COMMAND...    runs COMMAND until it succeeds; status 1 if it still fails after
#                                    SECONDS (for states nothing announces: a file, a line in a log)
: "${KEEPDAV_BIN:?KEEPDAV_BIN must point at the keepdav binary}"

start_keepdav() {
    local root=$1; shift
    [ -d "${KEEPDAV_SPAWN_DIR:-}" ] || KEEPDAV_SPAWN_DIR=$(mktemp -d -t keepdav-spawn.XXXXXX)
    KEEPDAV_LOG=$(mktemp "$KEEPDAV_SPAWN_DIR/log.XXXXXX")
    local out; out=$(mktemp -u "$KEEPDAV_SPAWN_DIR/stdout.XXXXXX")
    mkfifo "$out"
    "$KEEPDAV_BIN" --root "$root" --listen 127.0.0.1:0 "$@" >"$out" 2>"$KEEPDAV_LOG" &
    KEEPDAV_PID=$!
    [ -n "$(trap -p EXIT)" ] || trap keepdav_cleanup EXIT
    local line
    # The server prints "listening on HOST:PORT" once bound; nothing else tells the port.
    if ! read -r -t 10 line <"$out"; then
        echo "keepdav did not start:"; cat "$KEEPDAV_LOG"; exit 1
    fi
    rm -f "$out"
    KEEPDAV_URL="http://${line#listening on }"
}

stop_keepdav() {
    if [ -n "${KEEPDAV_PID:-}" ] && kill -0 "$KEEPDAV_PID" 2>/dev/null; then
        kill -TERM "$KEEPDAV_PID"; wait "$KEEPDAV_PID" 2>/dev/null
    fi
    KEEPDAV_PID=
}

keepdav_cleanup() {
    stop_keepdav
    [ -z "${KEEPDAV_SPAWN_DIR:-}" ] || rm -rf "$KEEPDAV_SPAWN_DIR"
}

wait_until() {
    local seconds=$1; shift
    local start=${EPOCHREALTIME/[.,]/}
    until "$@"; do
        (( ${EPOCHREALTIME/[.,]/} - start < seconds * 1000000 )) || return 1
        sleep 0.01 # the pace of the poll, not a wait for the event: the deadline above bounds the wait
    done
}
