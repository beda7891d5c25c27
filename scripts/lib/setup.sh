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
