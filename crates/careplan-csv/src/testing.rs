//! Helpers shared by the unit tests.

/// 20,000 byte strings, each of fewer than `max` pieces, the pieces chosen by `pick` from
/// successive xorshift numbers: the inputs of the tests that hold a fast path to a plain one.
pub(crate) fn mixes<'a>(
    pieces: &'a [&'a [u8]],
    max: u64,
    pick: impl Fn(u64) -> usize + 'a,
) -> impl Iterator<Item = Vec<u8>> + 'a {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // The length is drawn too: drawn from a state that only pieces advance, an empty mix left
    // the state as it was and every mix after it was empty as well.
    (0..20_000).map(move |_| {
        let len = next() % max;
        (0..len)
            .map(|_| pieces[pick(next()) % pieces.len()])
            .collect::<Vec<_>>()
            .concat()
    })
}
