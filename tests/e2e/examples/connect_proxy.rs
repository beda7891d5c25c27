//! An HTTPS proxy (HTTP CONNECT) on 127.0.0.1 for the desktop end-to-end test: prints its URL,
//! then writes how many tunnels it has opened to `$PROXY_LOG` whenever that number changes.

fn main() {
    let proxy = kizuna_e2e::ConnectProxy::start();
    println!("{}", proxy.url);
    let log = std::env::var_os("PROXY_LOG");
    let mut seen = usize::MAX;
    loop {
        let now = proxy.tunnels();
        if now != seen {
            seen = now;
            if let Some(path) = &log {
                let _ = std::fs::write(path, now.to_string());
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
