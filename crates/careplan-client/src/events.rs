//! The relay's server-sent event stream, parsed incrementally.

use careplan_protocol::EventKind;

use crate::error::Result;
use crate::relay::transport_error;

/// One event from the relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its id, for resuming; certificate reminders have none.
    pub id: Option<i64>,
    /// What it is about; `None` for a kind this version does not know (a newer relay).
    pub kind: Option<EventKind>,
    /// JSON payload.
    pub data: String,
}

/// A text/event-stream being read.
pub struct EventStream {
    resp: reqwest::Response,
    parser: Parser,
}

impl EventStream {
    pub(crate) fn new(resp: reqwest::Response) -> Self {
        EventStream {
            resp,
            parser: Parser::default(),
        }
    }

    /// The next event; `None` when the relay ended the stream.
    pub async fn next(&mut self) -> Result<Option<Event>> {
        loop {
            if let Some(event) = self.parser.pop() {
                return Ok(Some(event));
            }
            match self.resp.chunk().await.map_err(transport_error)? {
                Some(bytes) => self.parser.feed(&bytes),
                None => return Ok(None),
            }
        }
    }
}

/// The SSE wire format: fields per line, events end at a blank line, `:` lines are comments.
#[derive(Default)]
struct Parser {
    buf: Vec<u8>,
    id: Option<i64>,
    kind: Option<String>,
    data: Vec<String>,
    ready: std::collections::VecDeque<Event>,
}

impl Parser {
    fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        while let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            self.line(line.trim_end_matches(['\n', '\r']));
        }
    }

    fn line(&mut self, line: &str) {
        if line.is_empty() {
            if !self.data.is_empty() || self.kind.is_some() {
                self.ready.push_back(Event {
                    id: self.id.take(),
                    // Without an `event:` field an SSE event is a `message`.
                    kind: match self.kind.take() {
                        None => Some(EventKind::Message),
                        Some(kind) => EventKind::parse(&kind),
                    },
                    data: std::mem::take(&mut self.data).join("\n"),
                });
            }
            self.id = None;
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => self.id = value.parse().ok(),
            "event" => self.kind = Some(value.to_owned()),
            "data" => self.data.push(value.to_owned()),
            _ => {}
        }
    }

    fn pop(&mut self) -> Option<Event> {
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_come_out_whole() {
        let mut p = Parser::default();
        p.feed(b": connected\n\nid: 17\nevent: mess");
        assert!(p.pop().is_none());
        p.feed(
            b"age\ndata: {\"id\":\"a\"}\n\n: heartbeat\n\nevent: certificate\r\ndata: {}\r\n\r\n",
        );
        assert_eq!(
            p.pop(),
            Some(Event {
                id: Some(17),
                kind: Some(EventKind::Message),
                data: "{\"id\":\"a\"}".into()
            })
        );
        assert_eq!(
            p.pop(),
            Some(Event {
                id: None,
                kind: Some(EventKind::Certificate),
                data: "{}".into()
            })
        );
        assert!(p.pop().is_none());
    }
}
