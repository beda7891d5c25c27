//! A minimal HTTPS proxy (HTTP CONNECT tunnels) on 127.0.0.1, counting the tunnels it opened,
//! to show that an office behind a proxy reaches the relay only through it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running proxy; it stops with the test process.
pub struct ConnectProxy {
    /// Its address as a proxy URL, `http://127.0.0.1:PORT`.
    pub url: String,
    tunnels: Arc<AtomicUsize>,
}

impl ConnectProxy {
    /// Starts listening on a free port.
    pub fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let tunnels = Arc::new(AtomicUsize::new(0));
        let count = tunnels.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let count = count.clone();
                std::thread::spawn(move || {
                    let _ = tunnel(client, &count);
                });
            }
        });
        ConnectProxy { url, tunnels }
    }

    /// How many tunnels it has opened so far.
    pub fn tunnels(&self) -> usize {
        self.tunnels.load(Ordering::SeqCst)
    }
}

// Reads `CONNECT host:port`, connects, answers 200 and copies bytes both ways until either side
// closes.
fn tunnel(mut client: TcpStream, count: &AtomicUsize) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte)? == 0 || head.len() > 8192 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
        client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")?;
        return Ok(());
    };
    let server = TcpStream::connect(target)?;
    count.fetch_add(1, Ordering::SeqCst);
    client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")?;
    let (mut c2, mut s2) = (client.try_clone()?, server.try_clone()?);
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut s2);
        let _ = s2.shutdown(std::net::Shutdown::Write);
    });
    let (mut c, mut s) = (client, server);
    let _ = std::io::copy(&mut s, &mut c);
    let _ = c.shutdown(std::net::Shutdown::Write);
    let _ = up.join();
    Ok(())
}
