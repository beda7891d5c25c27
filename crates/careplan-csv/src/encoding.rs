//! MS932 (Windows-31J): decoding with exact error positions, and encoding for generators.
//!
//! `encoding_rs::SHIFT_JIS` is the WHATWG Shift_JIS, which is Microsoft's cp932 table: NEC row 13,
//! NEC-selected IBM extensions and IBM extensions all decode (髙 = FB FC), and the encoder picks the
//! same code Windows picks where a character has two. Validation only ever decodes a copy; the
//! bytes of a file are never rewritten.

use std::sync::LazyLock;

use encoding_rs::SHIFT_JIS;

/// What a file turned out to be encoded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// Shift-JIS, Microsoft variant: what the standard requires.
    Ms932,
    /// UTF-8 with non-ASCII content: wrong, but decodable for further checks.
    Utf8,
}

/// A byte problem found in MS932 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ByteIssue {
    /// Bytes that are not a character of MS932 (R1).
    Undecodable {
        /// Offset of the first bad byte in the scanned slice.
        offset: usize,
        /// The offending bytes.
        bytes: Vec<u8>,
    },
    /// A user-defined character (外字, lead byte F0–F9) (R2).
    Gaiji {
        /// Offset of the lead byte in the scanned slice.
        offset: usize,
        /// The two bytes.
        bytes: [u8; 2],
    },
}

impl ByteIssue {
    /// Offset of the issue in the scanned slice.
    pub fn offset(&self) -> usize {
        match self {
            ByteIssue::Undecodable { offset, .. } | ByteIssue::Gaiji { offset, .. } => *offset,
        }
    }
}

/// The UTF-8 byte order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Guesses the encoding from the first bytes of a file (after any BOM).
///
/// A Shift-JIS file with Japanese text is practically never valid UTF-8, while UTF-8 Japanese
/// often *is* structurally valid Shift-JIS (E3 81 82 decodes to two kanji), so the UTF-8 test
/// must come first. A multi-byte sequence cut at the end of the sample is tolerated. But a short
/// MS932 file can be valid UTF-8 by chance (ﾞ① is DE 87 40, and DE 87 is a two-byte UTF-8
/// sequence): when the bytes are clean MS932 too and hold no sequence of three or more bytes,
/// which Japanese in UTF-8 always does (kana and kanji are U+3000 and up), it is MS932.
pub fn sniff(sample: &[u8]) -> TextEncoding {
    if sample.is_ascii() {
        return TextEncoding::Ms932;
    }
    let valid = match std::str::from_utf8(sample) {
        Ok(_) => sample,
        Err(e) if e.error_len().is_none() && e.valid_up_to() + 4 > sample.len() => {
            &sample[..e.valid_up_to()]
        }
        Err(_) => return TextEncoding::Ms932,
    };
    if valid.is_ascii() {
        return TextEncoding::Ms932;
    }
    let three_or_more = valid.iter().any(|&b| b >= 0xE0);
    // The sample may end inside a double-byte character.
    let clean_ms932 = is_clean(valid) || is_clean(&valid[..valid.len() - 1]);
    if three_or_more || !clean_ms932 {
        TextEncoding::Utf8
    } else {
        TextEncoding::Ms932
    }
}

/// The double-byte half of MS932 as a table: one entry per lead (81–9F, E0–FC) and trail
/// (40–FC) byte, holding the character or 0 where the pair is not a character. It is built once
/// from `encoding_rs`, which stays the authority on the mapping; the table only removes the
/// per-call cost of a decoder from the hot path of validation, where items are a few bytes long.
static DOUBLE: LazyLock<Vec<u16>> = LazyLock::new(|| {
    let mut table = vec![0u16; 60 * 189];
    for lead in (0x81..=0x9Fu8).chain(0xE0..=0xFC) {
        for trail in 0x40..=0xFCu8 {
            let pair = [lead, trail];
            let (text, malformed) = SHIFT_JIS.decode_without_bom_handling(&pair);
            let mut chars = text.chars();
            if let (false, Some(c), None) = (malformed, chars.next(), chars.next()) {
                if let (Ok(v), Some(i)) = (u16::try_from(u32::from(c)), double_index(lead, trail)) {
                    table[i] = v;
                }
            }
        }
    }
    table
});

fn double_index(lead: u8, trail: u8) -> Option<usize> {
    let row = match lead {
        0x81..=0x9F => lead - 0x81,
        0xE0..=0xFC => lead - 0xE0 + 31,
        _ => return None,
    };
    (0x40..=0xFC)
        .contains(&trail)
        .then(|| usize::from(row) * 189 + usize::from(trail - 0x40))
}

/// What one step of MS932 decoding found.
enum Step {
    Char(char, usize),
    /// Not a character; skip this many bytes.
    Bad(usize),
    /// A 外字 pair.
    Gaiji,
}

#[inline]
fn step(table: &[u16], bytes: &[u8], i: usize) -> Step {
    let b = bytes[i];
    match b {
        0x00..=0x7F => Step::Char(char::from(b), 1),
        0xA1..=0xDF => Step::Char(
            char::from_u32(0xFF61 + u32::from(b - 0xA1)).unwrap_or('\u{FFFD}'),
            1,
        ),
        0x81..=0x9F | 0xE0..=0xFC => {
            let Some(&trail) = bytes.get(i + 1) else {
                return Step::Bad(1);
            };
            if (0xF0..=0xF9).contains(&b) && matches!(trail, 0x40..=0x7E | 0x80..=0xFC) {
                return Step::Gaiji;
            }
            match double_index(b, trail)
                .and_then(|x| table.get(x).copied())
                .filter(|c| *c != 0)
            {
                Some(c) => Step::Char(char::from_u32(u32::from(c)).unwrap_or('\u{FFFD}'), 2),
                // As in WHATWG: an ASCII trail byte after a bad lead stands as its own character.
                None if trail < 0x80 => Step::Bad(1),
                None => Step::Bad(2),
            }
        }
        _ => Step::Bad(1),
    }
}

/// Decodes MS932 into `out` (cleared first). Returns false when the bytes hold an undecodable
/// sequence or a 外字; each is then decoded as U+FFFD so that later checks can go on, and
/// [`scan`] tells where the problems are. A lone 0x80 is not a character.
pub fn decode_into(bytes: &[u8], out: &mut String) -> bool {
    out.clear();
    if let Ok(ascii) = std::str::from_utf8(bytes) {
        if ascii.is_ascii() {
            out.push_str(ascii);
            return true;
        }
    }
    decode_append(bytes, out)
}

/// Like [`decode_into`] but appends to `out`.
pub fn decode_append(bytes: &[u8], out: &mut String) -> bool {
    decode_each(bytes, |c| out.push(c))
}

/// Like [`decode_append`], appending the UTF-8 bytes of the text to a byte buffer.
pub fn decode_append_utf8(bytes: &[u8], out: &mut Vec<u8>) -> bool {
    decode_each(bytes, |c| {
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    })
}

/// Whether `bytes` are clean MS932 text (no undecodable sequence, no 外字), without decoding.
/// Validation runs this over all free text, so it stops at the first problem and skips the
/// character values that decoding would produce.
pub fn is_clean(bytes: &[u8]) -> bool {
    let pairs = CLEAN_PAIRS.as_slice();
    let known = |lead: u8, trail: u8| {
        let pair = usize::from(lead) << 8 | usize::from(trail);
        pairs[pair >> 6] & (1 << (pair & 63)) != 0
    };
    let mut i = 0;
    loop {
        // Free text is mostly 全角: four characters at once, whose look-ups do not wait for each
        // other. A known pair is always a lead and a trail byte, so four known pairs in a row
        // are four characters; anything else takes one careful step below.
        while let Some(&[a, b, c, d, e, f, g, h]) = bytes.get(i..i + 8) {
            if !(known(a, b) & known(c, d) & known(e, f) & known(g, h)) {
                break;
            }
            i += 8;
        }
        let Some(&b) = bytes.get(i) else {
            return true;
        };
        match b {
            0x00..=0x7F | 0xA1..=0xDF => i += 1,
            // 外字 (F0–F9) is never clean, whatever follows.
            0x81..=0x9F | 0xE0..=0xEF | 0xFA..=0xFC => {
                let Some(&t) = bytes.get(i + 1) else {
                    return false;
                };
                if !known(b, t) {
                    return false;
                }
                i += 2;
            }
            _ => return false,
        }
    }
}

/// One bit per byte pair (lead × 256 + trail): set where the pair is a clean character of
/// [`DOUBLE`].
/// 8 KiB, so the check of a pair is one cached load.
static CLEAN_PAIRS: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut bits = vec![0u64; 65536 / 64];
    // 外字 (F0–F9) decodes to private-use characters but is never clean.
    for lead in (0x81..=0x9Fu8).chain(0xE0..=0xEF).chain(0xFA..=0xFC) {
        for trail in 0x40..=0xFCu8 {
            let known = double_index(lead, trail).is_some_and(|x| DOUBLE[x] != 0);
            if known {
                let pair = usize::from(lead) << 8 | usize::from(trail);
                bits[pair >> 6] |= 1 << (pair & 63);
            }
        }
    }
    bits
});

// Hands every character (U+FFFD for what is not one) to `emit`; false when any was not.
#[inline]
fn decode_each(bytes: &[u8], mut emit: impl FnMut(char)) -> bool {
    let table = DOUBLE.as_slice();
    let mut clean = true;
    let mut i = 0;
    while i < bytes.len() {
        match step(table, bytes, i) {
            Step::Char(c, n) => {
                emit(c);
                i += n;
            }
            Step::Bad(n) => {
                clean = false;
                emit('\u{FFFD}');
                i += n;
            }
            Step::Gaiji => {
                clean = false;
                emit('\u{FFFD}');
                i += 2;
            }
        }
    }
    clean
}

/// Every undecodable sequence and 外字 in `bytes`, with offsets, in order.
pub fn scan(bytes: &[u8]) -> Vec<ByteIssue> {
    let table = DOUBLE.as_slice();
    let mut issues = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match step(table, bytes, i) {
            Step::Char(_, n) => i += n,
            Step::Bad(n) => {
                issues.push(ByteIssue::Undecodable {
                    offset: i,
                    bytes: bytes[i..i + n].to_vec(),
                });
                i += n;
            }
            Step::Gaiji => {
                issues.push(ByteIssue::Gaiji {
                    offset: i,
                    bytes: [bytes[i], bytes[i + 1]],
                });
                i += 2;
            }
        }
    }
    issues
}

/// A character the generator had to replace to stay within MS932 (R3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversion {
    /// The character as given.
    pub from: char,
    /// What was written instead.
    pub to: char,
}

/// The substitute for characters MS932 has no equivalent for: 〓 (geta).
pub const SUBSTITUTE: char = '〓';

/// Maps characters MS932 cannot hold to the character Windows software would show, so that
/// text typed on a Mac or copied from the web still reaches the partner (R3). Returns `None`
/// when the character is representable as it is.
fn ms932_equivalent(c: char) -> Option<char> {
    Some(match c {
        '\u{301C}' => '～', // WAVE DASH → FULLWIDTH TILDE (the classic Mac/Windows split)
        '\u{2016}' => '∥',  // DOUBLE VERTICAL LINE → PARALLEL TO
        '\u{2212}' => '－', // MINUS SIGN → FULLWIDTH HYPHEN-MINUS
        '\u{2014}' => '―',  // EM DASH → HORIZONTAL BAR
        '\u{00A2}' => '￠',
        '\u{00A3}' => '￡',
        '\u{00AC}' => '￢',
        '\u{00A5}' => '￥', // would otherwise become a backslash
        '\u{203E}' => '￣', // would otherwise become a tilde
        '\u{00A6}' => '￤',
        '\u{2011}' | '\u{2010}' => '-',
        '\u{00A0}' => ' ',
        _ => return None,
    })
}

/// Text made ready for MS932, with every replacement listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The text to encode.
    pub text: String,
    /// What was replaced.
    pub conversions: Vec<Conversion>,
}

/// Replaces every character MS932 cannot hold (R3): first by its usual equivalent, else by 〓.
pub fn prepare(s: &str) -> Prepared {
    let mut text = String::with_capacity(s.len());
    let mut conversions = Vec::new();
    for c in s.chars() {
        let mapped = ms932_equivalent(c).unwrap_or(c);
        let out = if encodes_exactly(mapped) {
            mapped
        } else {
            SUBSTITUTE
        };
        if out != c {
            conversions.push(Conversion { from: c, to: out });
        }
        text.push(out);
    }
    Prepared { text, conversions }
}

fn encodes_exactly(c: char) -> bool {
    if c.is_ascii() {
        return true;
    }
    // Private-use characters would encode to 外字, which the standard forbids (R2).
    if ('\u{E000}'..='\u{F8FF}').contains(&c) {
        return false;
    }
    let mut buf = [0u8; 4];
    let s = c.encode_utf8(&mut buf);
    let (bytes, _, unmappable) = SHIFT_JIS.encode(s);
    if unmappable {
        return false;
    }
    // A character that encodes but decodes to something else (¥ → \) is not kept exactly.
    let (back, _) = SHIFT_JIS.decode_without_bom_handling(&bytes);
    back == *s
}

/// Encodes text already passed through [`prepare`] (or known to be MS932-clean).
pub fn encode(s: &str, out: &mut Vec<u8>) {
    if s.is_ascii() {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    let (bytes, _, _) = SHIFT_JIS.encode(s);
    out.extend_from_slice(&bytes);
}

/// Whether `s` survives MS932 encoding and decoding unchanged.
pub fn is_ms932_clean(s: &str) -> bool {
    s.chars().all(encodes_exactly)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_clean_agrees_with_decoding_on_every_byte_pair_and_triple_start() {
        for x in 0..=0xFFu8 {
            assert_eq!(is_clean(&[x]), decode_each(&[x], |_| {}), "{x:02X}");
            for y in 0..=0xFFu8 {
                let pair = [x, y];
                assert_eq!(
                    is_clean(&pair),
                    decode_each(&pair, |_| {}),
                    "{x:02X}{y:02X}"
                );
                let triple = [x, y, b'a'];
                assert_eq!(
                    is_clean(&triple),
                    decode_each(&triple, |_| {}),
                    "{x:02X}{y:02X}61"
                );
            }
        }
    }

    #[test]
    fn is_clean_agrees_with_decoding_on_long_mixed_text() {
        // 全角 runs broken by ASCII, half-width kana, 外字, unassigned rows and cut-off leads,
        // at every offset the four-at-once path can meet them.
        let pieces: [&[u8]; 9] = [
            b"\x82\xA0",
            b"\x8E\x52",
            b"\xFB\xFC",
            b"a",
            b"\xB1",
            b"\xF0\x40",
            b"\x85\x40",
            b"\x81",
            b"\x87\x40",
        ];
        // Mostly clean 全角, so that the fast path runs before the odd piece.
        let pick = |r: u64| if r % 4 == 0 { (r >> 8) as usize } else { 0 };
        for text in crate::testing::mixes(&pieces, 24, pick) {
            assert_eq!(is_clean(&text), decode_each(&text, |_| {}), "{text:02X?}");
        }
    }

    #[test]
    fn japanese_in_utf8_is_recognised() {
        assert_eq!(sniff("202407,\"訪問介護\"".as_bytes()), TextEncoding::Utf8);
        assert_eq!(sniff("温度 37.5°C".as_bytes()), TextEncoding::Utf8);
    }

    #[test]
    fn a_short_ms932_file_that_happens_to_be_valid_utf8_is_ms932() {
        // ﾞ① in MS932: DE 87 40, where DE 87 is also a two-byte UTF-8 sequence (U+07C7).
        assert_eq!(sniff(b"202407,,\xDE\x87\x40,\r\n"), TextEncoding::Ms932);
        assert_eq!(sniff("202407,\"山本\"".as_bytes()), TextEncoding::Utf8);
        let ms932 = SHIFT_JIS.encode("202407,\"山本\"").0;
        assert_eq!(sniff(&ms932), TextEncoding::Ms932);
    }

    fn dec(b: &[u8]) -> (String, bool) {
        let mut s = String::new();
        let ok = decode_into(b, &mut s);
        (s, ok)
    }

    #[test]
    fn nec_and_ibm_extensions_decode() {
        assert_eq!(dec(b"\xFB\xFC"), ("髙".into(), true)); // IBM extension
        assert_eq!(dec(b"\xED\x40"), ("纊".into(), true)); // NEC-selected IBM extension
        assert_eq!(dec(b"\x87\x40"), ("①".into(), true)); // NEC row 13
        assert_eq!(dec(b"\x87\x8A"), ("㈱".into(), true));
    }

    #[test]
    fn wave_dash_is_decoded_the_windows_way() {
        assert_eq!(dec(b"\x81\x60").0, "～");
        assert_eq!(dec(b"\x81\x7C").0, "－");
    }

    #[test]
    fn gaiji_is_reported_with_its_offset() {
        let bytes = b"ab\x82\xA0\xF0\x40cd";
        assert!(!dec(bytes).1);
        assert_eq!(
            scan(bytes),
            vec![ByteIssue::Gaiji {
                offset: 4,
                bytes: [0xF0, 0x40]
            }]
        );
    }

    #[test]
    fn undecodable_bytes_are_reported_with_their_offsets() {
        // 0x85 is a lead byte of an unassigned row (its ASCII trail '@' stands as a character of its
        // own); a lead byte at the very end is cut off; 0xFD is never valid.
        let bytes = b"x\x85\x40y\xFDz\x82";
        assert!(!dec(bytes).1);
        assert_eq!(
            scan(bytes),
            vec![
                ByteIssue::Undecodable {
                    offset: 1,
                    bytes: vec![0x85]
                },
                ByteIssue::Undecodable {
                    offset: 4,
                    bytes: vec![0xFD]
                },
                ByteIssue::Undecodable {
                    offset: 6,
                    bytes: vec![0x82]
                },
            ]
        );
    }

    #[test]
    fn the_table_decoder_agrees_with_encoding_rs_on_every_pair() {
        for lead in 0x80..=0xFFu8 {
            for trail in 0x00..=0xFFu8 {
                let pair = [lead, trail];
                let (theirs, malformed) = SHIFT_JIS.decode_without_bom_handling(&pair);
                let mut ours = String::new();
                let clean = decode_into(&pair, &mut ours);
                let gaiji = theirs
                    .chars()
                    .any(|c| ('\u{E000}'..='\u{F8FF}').contains(&c));
                let lone_80 = theirs.contains('\u{80}');
                assert_eq!(
                    clean,
                    !malformed && !gaiji && !lone_80,
                    "{lead:02X}{trail:02X}"
                );
                if clean {
                    assert_eq!(ours, theirs, "{lead:02X}{trail:02X}");
                }
            }
        }
    }

    #[test]
    fn lone_0x80_is_not_a_character() {
        assert!(!dec(b"a\x80b").1);
        assert_eq!(
            scan(b"a\x80b"),
            vec![ByteIssue::Undecodable {
                offset: 1,
                bytes: vec![0x80]
            }]
        );
    }

    #[test]
    fn utf8_japanese_is_recognised_even_though_it_looks_like_shift_jis() {
        assert_eq!(sniff("利用者,氏名".as_bytes()), TextEncoding::Utf8);
        assert_eq!(sniff(b"\x97\x98\x97\x70\x8E\xD2"), TextEncoding::Ms932);
        assert_eq!(sniff(b"202407,123456"), TextEncoding::Ms932);
        // A sample that cuts a UTF-8 character in half is still UTF-8.
        let s = "あいう".as_bytes();
        assert_eq!(sniff(&s[..7]), TextEncoding::Utf8);
    }

    #[test]
    fn prepare_converts_wave_dash_and_yen_and_reports_them() {
        let p = prepare("9:00〜10:00 ¥100 髙橋");
        assert_eq!(p.text, "9:00～10:00 ￥100 髙橋");
        assert_eq!(
            p.conversions,
            vec![
                Conversion {
                    from: '〜',
                    to: '～'
                },
                Conversion {
                    from: '¥',
                    to: '￥'
                }
            ]
        );
    }

    #[test]
    fn prepare_substitutes_what_ms932_cannot_hold() {
        let p = prepare("𠮷野家😀");
        assert_eq!(p.text, "〓野家〓");
        assert_eq!(p.conversions.len(), 2);
    }

    #[test]
    fn every_ms932_character_round_trips_through_unicode() {
        // Every assigned double-byte code decodes; encoding the character again gives a code that
        // decodes to the same character. Codes differ only for the duplicates cp932 is known for.
        let mut duplicates = 0;
        for lead in (0x81..=0x9Fu8).chain(0xE0..=0xFC) {
            for trail in (0x40..=0x7Eu8).chain(0x80..=0xFC) {
                let (s, ok) = dec(&[lead, trail]);
                if !ok {
                    continue;
                }
                let mut back = Vec::new();
                encode(&s, &mut back);
                assert_eq!(dec(&back).0, s, "{lead:02X}{trail:02X}");
                if back != [lead, trail] {
                    duplicates += 1;
                    // NEC-selected IBM extensions (ED/EE) and NEC row 13 duplicates of JIS symbols.
                    assert!(
                        matches!(lead, 0xED | 0xEE | 0x87 | 0xFA),
                        "{lead:02X}{trail:02X}"
                    );
                }
            }
        }
        assert!(duplicates > 300 && duplicates < 420, "{duplicates}");
    }
}
