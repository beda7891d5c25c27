# The living demo, shared by scripts/run and the desktop end-to-end test so that the test follows
# exactly what a newcomer gets. Sourced, not run.
#
# start_demo BIN DEMO: writes a month of sample files into DEMO, one folder per office
# (DEMO/1310000001-さくら/ holds what the app's office sends), starts a demo relay and the three
# service offices as simulated partners in the background (their pids in demo_pids), prints what
# to type and drop, and exports what the app needs: relay, CA fingerprint, and a profile, receive
# folder and webview data inside DEMO. Everything the demo writes stays under DEMO, which is made
# afresh each time.

DEMO_OFFICE=1310000001

start_demo() {
    local bin=$1 demo=$2
    rm -rf "$demo"
    mkdir -p "$demo"
    demo=$(cd "$demo" && pwd)
    "$bin/kizuna" sample --by-office --out "$demo" --users 5 \
        --service 1320000001:11,1320000002:15,1320000003:17 > /dev/null 2> "$demo/sample.log"
    local own
    own=$(cd "$demo" && echo "$DEMO_OFFICE"-*)

    "$bin/kizuna-relay" --data "$demo/relay" demo --listen 127.0.0.1:0 \
        > "$demo/relay.out" 2> "$demo/relay.log" &
    demo_pids=($!)
    wait_for_line "$demo/relay.out" "CA フィンガープリント" "${demo_pids[0]}" \
        "デモ用の連携基盤を起動できませんでした" "$demo/relay.log" || return 1
    local url fingerprint password
    url=$(sed -n 's/^listening on //p' "$demo/relay.out")
    fingerprint=$("$bin/kizuna-relay" --data "$demo/relay" ca-fingerprint)
    password=$(awk -v office="$DEMO_OFFICE" '$1 == office { print $2 }' "$demo/relay.out")

    "$bin/kizuna" demo-partners --relay "$url" --ca-fingerprint "$fingerprint" \
        --offices "$demo/relay/demo-offices.json" --dir "$demo" \
        > "$demo/partners.log" 2>&1 &
    demo_pids+=($!)
    wait_for_line "$demo/partners.log" "ready" "${demo_pids[1]}" \
        "デモの相手先事業所を起動できませんでした" "$demo/partners.log" || return 1

    export KIZUNA_PROFILE="$demo/app/profile"
    export KIZUNA_RECEIVE_DIR="$demo/app/受信"
    export KIZUNA_RELAY_URL="$url"
    export KIZUNA_CA_FINGERPRINT="$fingerprint"
    # The webview's own data (storage, caches) too.
    export XDG_DATA_HOME="$demo/app/data" XDG_CACHE_HOME="$demo/app/cache"

    cat <<TEXT

Kizuna のデモを用意しました。アプリが開いたら:

  1. 事業所番号 $DEMO_OFFICE とパスワード $password を入力して「登録する」を押します
     （接続先と CA フィンガープリントは入力済みです）。
  2. フォルダ $demo/$own を「送信」画面にドロップします
     （「フォルダを選ぶ」で選んでも同じです）。
  3. 「送信できるものをすべて送信」を押します。

相手先の3事業所（ひまわり訪問介護ステーション・デイサービスセンターけやき・あおば福祉用具レンタル）は
この PC の上で自動で動いています。届いたファイルに署名付きの受信確認を返し、数秒後に今月の実績を
送り返します。1分ほどで「履歴」に受信確認、通知、「受信箱」に実績が届きます。
受信したファイルは $demo/app/受信 に保存されます。

TEXT
}

# wait_for_line FILE TEXT PID WHAT LOG: waits up to 30 s until FILE has a line with TEXT; says
# WHAT and the end of LOG when the process PID ends (or the time passes) first.
wait_for_line() {
    local _
    for _ in $(seq 1 300); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || break
        sleep 0.1
    done
    echo "$4（$5）:" >&2
    tail -n 5 "$5" >&2
    return 1
}

# Stops what start_demo started.
stop_demo() {
    local p
    for p in "${demo_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${demo_pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
