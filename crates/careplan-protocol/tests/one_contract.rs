//! The relay and the client speak the API through these types only: no error code, message
//! state or event kind is written as text where they serve or read it.

use std::path::{Path, PathBuf};

use careplan_protocol::{ErrorCode, EventKind, MessageState};

fn sources(dirs: &[&str]) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.iter().map(|d| root.join(d)).collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
        }
    }
    out
}

/// Lines outside tests that hold `"text"` as a literal.
fn literal_uses(files: &[(PathBuf, String)], text: &str) -> Vec<String> {
    let quoted = format!("\"{text}\"");
    let mut found = Vec::new();
    for (path, source) in files {
        // Unit tests at the end of a file may spell out what goes over the wire.
        let body = source.split("#[cfg(test)]").next().unwrap_or(source);
        for (i, line) in body.lines().enumerate() {
            if line.contains(&quoted) && !line.trim_start().starts_with("//") {
                found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn no_error_code_is_written_as_text_where_the_relay_or_the_client_uses_it() {
    let files = sources(&[
        "crates/careplan-relay/src",
        "crates/careplan-client/src/relay.rs",
        "crates/careplan-client/src/events.rs",
    ]);
    let found: Vec<String> = ErrorCode::ALL
        .iter()
        .flat_map(|c| literal_uses(&files, c.as_str()))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn no_event_kind_or_message_state_is_written_as_text_where_the_api_is_read() {
    // (The client's history has states of its own, some with the same names: they are not
    // the relay's and are checked where they are defined.)
    let files = sources(&[
        "crates/careplan-relay/src/server",
        "crates/careplan-client/src/relay.rs",
        "crates/careplan-client/src/events.rs",
        "crates/careplan-client/src/background.rs",
        "crates/careplan-client/src/receive.rs",
        "crates/kizuna-cli/src",
    ]);
    let kinds = EventKind::ALL.map(EventKind::as_str);
    let states = [MessageState::Stored, MessageState::Delivered].map(MessageState::as_str);
    let found: Vec<String> = kinds
        .iter()
        .chain(&states)
        .flat_map(|t| literal_uses(&files, t))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn every_error_code_is_explained_in_the_api_document() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api.md"))
            .unwrap();
    let missing: Vec<&str> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !doc.contains(&format!("`{c}`")) && !doc.contains(&format!(" {c}`")))
        .collect();
    assert!(missing.is_empty(), "not in docs/api.md: {missing:?}");
}
