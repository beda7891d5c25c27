# Shared set-up for scripts/run and scripts/test: installs what a fresh Debian/Ubuntu machine lacks.
# Sourced, not run.

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs Debian packages that are not installed yet (one apt-get update, only when needed).
ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing: ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

ensure_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        echo "Rust (cargo) is needed: install it with rustup (https://rustup.rs), version 1.85 or newer." >&2
        exit 2
    fi
    ensure_packages build-essential pkg-config
}

# What the desktop app (Tauri 2, WebKitGTK) needs to build and run on Debian/Ubuntu.
ensure_desktop_deps() {
    ensure_packages libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev \
        libsoup-3.0-dev libxdo-dev fonts-noto-cjk
}

# Runs every cargo-fuzz target in fuzz/ for $1 seconds each; its corpus grows in fuzz/corpus
# from run to run, seeded from fuzz/seeds. cargo-fuzz needs nightly flags: RUSTC_BOOTSTRAP lets
# the stable compiler take them.
run_fuzz_targets() {
    local seconds=$1 target
    command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
    (
        cd fuzz
        export RUSTC_BOOTSTRAP=1
        cargo fuzz build
        for target in $(cargo fuzz list); do
            mkdir -p "corpus/$target"
            local extra=() dict=()
            [ -d "seeds/$target" ] && extra=("seeds/$target")
            [ -f "dict/$target.dict" ] && dict=("-dict=dict/$target.dict")
            local log="corpus/$target.log"
            if ! cargo fuzz run "$target" "corpus/$target" "${extra[@]}" -- \
                -max_total_time="$seconds" -timeout=10 "${dict[@]}" >"$log" 2>&1; then
                tail -n 40 "$log" >&2
                echo "fuzz $target found a failure: the input is in fuzz/artifacts/$target" >&2
                exit 1
            fi
            echo "fuzz $target: $(grep -E '^Done ' "$log" | tail -n 1)"
        done
    )
}

# zizmor, the workflow security linter, from its PyPI wheel in a virtual environment of its own
# beside the build (nothing installed into the system's Python). Prints its path.
ZIZMOR_VERSION=1.33.1
ensure_zizmor() {
    local venv="${CARGO_TARGET_DIR:-target}/tools/zizmor-$ZIZMOR_VERSION"
    if [ ! -x "$venv/bin/zizmor" ]; then
        python3 -m venv "$venv" >/dev/null 2>&1 || { ensure_packages python3-venv; python3 -m venv "$venv"; }
        "$venv/bin/pip" install --quiet --disable-pip-version-check "zizmor==$ZIZMOR_VERSION" >&2
    fi
    echo "$venv/bin/zizmor"
}

# s3s-fs, an S3-compatible server that checks every request's signature and keeps objects as
# files, built from crates.io into a folder of its own beside the build, for the relay's tests
# against an object store. Prints its path.
S3S_FS_VERSION=0.14.1
ensure_s3s_fs() {
    local root="${CARGO_TARGET_DIR:-target}/tools/s3s-fs-$S3S_FS_VERSION"
    if [ ! -x "$root/bin/s3s-fs" ]; then
        cargo install "s3s-fs@$S3S_FS_VERSION" --features binary --locked --root "$root" --quiet >&2
    fi
    echo "$root/bin/s3s-fs"
}

# Starts an S3-compatible server (s3s-fs, keys test / test-secret, objects in a temporary folder)
# on a free port of 127.0.0.1: its address in S3_URL, stopped by stop_s3_server.
start_s3_server() {
    local server port
    server=$(ensure_s3s_fs)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    S3_ROOT=$(mktemp -d)
    "$server" --host 127.0.0.1 --port "$port" --access-key test --secret-key test-secret "$S3_ROOT" \
        >"$S3_ROOT.log" 2>&1 &
    S3_PID=$!
    for _ in $(seq 1 100); do
        (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    S3_URL="http://127.0.0.1:$port"
}

stop_s3_server() {
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
    rm -rf "$S3_ROOT" "$S3_ROOT.log"
}

# Starts a throw-away PostgreSQL cluster (Debian's postgresql) in a temporary folder on a free
# port of 127.0.0.1, trusting local connections of user kizuna: the server's address (without a
# database) in PG_URL, stopped and removed by stop_postgres. PostgreSQL will not run as root:
# as root, the cluster belongs to the postgres user.
start_postgres() {
    ensure_packages postgresql
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    PG_DIR=$(mktemp -d)
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # A CA of its own and a server certificate from it, for TLS: the relay is made to use TLS
    # and to trust that CA (PG_CA) only.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=kizuna-test-ca \
        -keyout "$PG_DIR/ca.key" -out "$PG_DIR/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
        -keyout "$PG_DIR/server.key" -out "$PG_DIR/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > "$PG_DIR/server.ext"
    openssl x509 -req -in "$PG_DIR/server.csr" -CA "$PG_DIR/ca.crt" -CAkey "$PG_DIR/ca.key" \
        -CAcreateserial -days 2 -extfile "$PG_DIR/server.ext" -out "$PG_DIR/server.crt" 2>/dev/null
    chmod 600 "$PG_DIR/server.key"
    [ "$(id -u)" = 0 ] && chown -R postgres "$PG_DIR"
    as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U kizuna -A trust --no-sync >/dev/null
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=500 -c ssl=on -c ssl_cert_file=$PG_DIR/server.crt -c ssl_key_file=$PG_DIR/server.key" >/dev/null
    PG_URL="postgres://kizuna@127.0.0.1:$port"
    PG_CA="$PG_DIR/ca.crt"
}

stop_postgres() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_node() {
    if ! command -v npm >/dev/null 2>&1; then
        ensure_packages nodejs npm
    fi
}

# Installs the UI's npm packages (exactly as locked) and builds it into ui/dist, which the desktop
# crate embeds at compile time.
build_ui() {
    ensure_node
    (cd ui && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build)
}

# Marks every process started from here on with NAME=<unique value> in its environment, which
# processes pass on to their children and to the services a private D-Bus starts for them, so
# that stop_marked_processes NAME finds them all, whoever their parent is by then.
mark_processes() {
    export "$1=$1-$$-$RANDOM$RANDOM"
}

# The processes marked with NAME, but this shell and its ancestors. (A subshell without the mark,
# so that the commands it runs to look are not found themselves.)
marked_processes() (
    local mark="$1=${!1:-}" keep=" " pid=$BASHPID env
    [ -n "${!1:-}" ] || return 0
    unset "$1"
    while [ -n "$pid" ] && [ "$pid" != 0 ]; do
        keep+="$pid "
        pid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || true)
    done
    keep+="$$ "
    for env in /proc/[0-9]*/environ; do
        pid=${env#/proc/}
        pid=${pid%/environ}
        case "$keep" in *" $pid "*) continue ;; esac
        if tr '\0' '\n' 2>/dev/null < "$env" | grep -qxF "$mark"; then
            echo "$pid"
        fi
    done
)

# Stops the processes marked with NAME: TERM, then KILL after 3 s. Prints the pid and command of
# each it found.
kill_marked_processes() {
    local pids left pid
    pids=$(marked_processes "$1")
    [ -n "$pids" ] || return 0
    for pid in $pids; do
        echo "  $pid $(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline")"
    done
    kill $pids 2>/dev/null || true
    for _ in $(seq 1 30); do
        left=$(marked_processes "$1")
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    kill -9 $left 2>/dev/null || true
}

# Stops every process marked with NAME, which whoever started them should have stopped already:
# names them and returns 1 when there were any.
stop_marked_processes() {
    local found
    found=$(kill_marked_processes "$1")
    [ -n "$found" ] || return 0
    echo "still running after the run, stopped now:" >&2
    echo "$found" >&2
    return 1
}
